import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlp_core.cli import main

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "mlp_core", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})},
        timeout=300,
    )


@pytest.mark.mnist
def test_train_json_then_evaluate(mnist_dir, tmp_path):
    model_path = tmp_path / "model.npz"
    result = run_cli("train", "--recipe", "fast", "--epochs", "2", "--train-size", "3000", "--seed", "3",
                     "--out", str(model_path), "--json", env={"MNIST_DIR": str(mnist_dir)})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    epochs, final = lines[:-1], lines[-1]
    assert [e["epoch"] for e in epochs] == [1, 2] and all(e["event"] == "epoch" for e in epochs)
    assert all(0.8 < e["test_acc"] <= 1 and 0.8 < e["val_acc"] <= 1 and e["loss"] > 0 for e in epochs)
    assert final["event"] == "done" and final["model"] == str(model_path) and final["test_acc"] == epochs[-1]["test_acc"]

    evaluated = run_cli("evaluate", str(model_path), "--json", "--mnist", str(mnist_dir))
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    confusion = np.array(report["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10_000
    assert report["test_acc"] == pytest.approx(final["test_acc"]) == pytest.approx(np.trace(confusion) / 10_000)


@pytest.mark.mnist
def test_train_prints_a_line_per_epoch(mnist_dir):
    result = run_cli("train", "--recipe", "tutorial", "--epochs", "1", "--train-size", "640", "--mnist", str(mnist_dir))
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("epoch")]
    for word in ("loss", "train", "val", "test"):
        assert word in line
    assert "epoch 1/1" in result.stderr  # tqdm's bar


def test_missing_mnist_says_what_is_missing(tmp_path):
    result = run_cli("train", "--epochs", "1", env={"MNIST_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "train-images-idx3-ubyte" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("train", "--epochs", "1", env={"MNIST_DIR": ""})
    assert result.returncode == 2 and "MNIST_DIR" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_refuses_a_bad_model_file_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["evaluate", str(bad)]) == 2
    assert "is not a model file: not even an .npz archive" in capsys.readouterr().err


@pytest.mark.mnist
def test_finetune_json(mnist, mnist_dir, tmp_path):
    from mlp_core.digitsio import digits_to_bytes
    from mlp_core import finetune
    from mlp_core.modelio import load_model

    model = tmp_path / "model.npz"
    assert run_cli("train", "--recipe", "fast", "--epochs", "1", "--train-size", "2000", "--out", str(model),
                   "--mnist", str(mnist_dir)).returncode == 0
    digits = tmp_path / "digits.npz"
    digits.write_bytes(digits_to_bytes(mnist["test_x"][:20], mnist["test_y"][:20]))
    out = tmp_path / "tuned.npz"
    result = run_cli("finetune", str(model), str(digits), "--out", str(out), "--steps", "20", "--hold-out", "--json",
                     "--strength", "firm", "--mnist", str(mnist_dir))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["digits"] == 20 and report["taught"] + report["held_out"] == 20 and report["steps"] == 20
    assert report["strength"] == "firm" and load_model(out).metadata["finetuned"]["own_share"] == finetune.STRENGTHS["firm"]["own_share"]
    assert load_model(out).metadata["test_accuracy"] == report["mnist_after"]
    # The figures travel with the model file (mlp_core.finetune.keep_report), as the page keeps them.
    kept = load_model(out).metadata["finetuned"]["report"]
    assert kept == {k: report[k] for k in finetune.REPORT_FIELDS}
    assert isinstance(report["mnist_lost"], list) and all(len(way) == 3 and way[0] != way[1] for way in report["mnist_lost"])
    assert load_model(out).metadata["temperature"] > 0  # refitted for the tuned network (mlp_core.finetune.recalibrate)


def test_finetune_refuses_a_hostile_digits_file(tmp_path, capsys):
    from mlp_core.modelio import save_model
    from mlp_core.nn import Sequential
    from mlp_core.model import Model

    model = tmp_path / "model.npz"
    save_model(Model(Sequential.mlp([784, 8, 10], "he", np.random.default_rng(0), "float32")), model)
    bad = tmp_path / "digits.npz"
    np.savez(bad, images=np.array([object()], dtype=object), labels=np.zeros(1, np.uint8))
    assert main(["finetune", str(model), str(bad), "--out", str(tmp_path / "out.npz")]) == 2
    err = capsys.readouterr().err
    assert "digits.npz" in err and "Traceback" not in err
    assert not (tmp_path / "out.npz").exists()
