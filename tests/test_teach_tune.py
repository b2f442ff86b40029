"""bench/teach_tune.py, the script that chose mlp_core.finetune's settings: its rules, and one whole run to its report."""
import numpy as np
import pytest

from bench import teach_tune
from mlp_core import save_model
from mlp_core.recipes import RECIPES
from mlp_core.trainer import Trainer


def row(held, drop, cost, **conflicting):
    """A run_grid row whose ruled writers read ``held`` at ``drop``, of ``cost`` multiply-adds."""
    return {"min_held": held, "max_drop": drop, "cost": cost, **conflicting}


def test_choose_takes_the_cheapest_setting_that_meets_both_targets():
    cheap_good, dear_good = row(0.96, 0.001, 2e9), row(0.99, 0.001, 4e9)
    rows = [row(0.99, 0.004, 1e9), dear_good, cheap_good, row(1.0, 0.0, teach_tune.MAX_COST + 1)]
    assert teach_tune.choose(rows) is cheap_good


def test_choose_without_a_good_setting_reads_best_within_the_drop():
    within = row(0.90, 0.002, 3e9)
    assert teach_tune.choose([row(0.97, 0.01, 1e9), within, row(0.85, 0.001, 1e9)]) is within


def test_choose_firm_takes_the_smallest_drop_that_reads_the_target_whatever_its_cost():
    firm = row(0.95, 0.004, 9e9)
    assert teach_tune.choose_firm([row(0.99, 0.008, 1e9), firm, row(0.94, 0.0, 1e9)]) is firm


@pytest.fixture(scope="module")
def small_model(mnist, tmp_path_factory):
    """A quick 784-32-16-10 model: it misreads the tilted writer's flagged 1s, as the shipped one does."""
    recipe = RECIPES["fast"].replace(sizes=(784, 32, 16, 10), epochs=1, validation_size=0, train_eval_size=200)
    trainer = Trainer(recipe, mnist["train_x"][:6000], mnist["train_y"][:6000])
    while not trainer.done:
        trainer.run()
    path = tmp_path_factory.mktemp("teach_tune") / "small.npz"
    save_model(trainer.model, path)
    return path


def test_a_run_writes_its_report_with_every_held_out_shape(small_model, mnist, monkeypatch, tmp_path):
    # One short setting and one seed: the run's every step (folds, grid, choice, report, per-shape lines) at a
    # fraction of the real grid's time.
    monkeypatch.setattr(teach_tune, "GRID", {"steps": (6,), "own_share": (0.3,), "distil": (1.0,), "kept": (2,), "bend": (2.0,)})
    monkeypatch.setattr(teach_tune, "EXTRA", [])
    monkeypatch.setattr(teach_tune, "SEEDS", 1)
    monkeypatch.setattr(teach_tune, "load_mnist", lambda: mnist)
    out = tmp_path / "tuning.md"
    assert teach_tune.main(["--model", str(small_model), "--writers", "tilted", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| 6 | 0.3 | 1.0 | 2 | 2.0 |" in text and "**(chosen)**" in text
    per_shape = text.split("## Per shape")[1]
    shapes = [line for line in per_shape.splitlines() if line.startswith("| tilted | 1 flag |")]
    assert shapes, text
    for line in shapes:  # as authored, before, then one reading per fold that held the shape out
        cells = [c.strip() for c in line.strip("|").split("|")]
        readings = [cells[3], cells[4]] + cells[5].split(", ")
        assert len(readings) >= 3 and all(len(r) == len(teach_tune.PLACEMENTS) and r.isdigit() for r in readings)
    assert np.isfinite(float(text.split("before: ")[1].split("%")[0]))
