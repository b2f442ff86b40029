"""README's figures against the reports that measured them: a claim cannot drift from its measurement.

Each claim is a sentence README must contain, with the numbers in it, and the report value it must not
exceed (accuracies: the worst seed) or fall short of (times: the slowest seed). Rewording a claim in
README means rewording it here, next to the report it comes from.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
REPORTS = ROOT / "bench" / "reports"


def report(name):
    return json.loads((REPORTS / f"{name}.json").read_text())


def readme_numbers(pattern):
    """The numbers captured by ``pattern`` in README; fails when README no longer says it."""
    found = re.search(pattern, README)
    assert found, f"README no longer contains a claim matching {pattern!r}: update the claim and this test together"
    return [float(group) for group in found.groups()]


def test_fast_accuracy_and_time_hold_at_every_seed():
    claims = report("claims")["fast"]
    accuracy, seconds = readme_numbers(r"the default: (\d+\.\d)% test or better at every seed measured, in under (\d+) s of CPU")
    assert len(claims["runs"]) >= 5, "a claim needs at least 5 seeds"
    assert accuracy <= 100 * claims["test_acc"]["min"], f"README says {accuracy}%, the worst seed measured {claims['test_acc']['min']}"
    assert claims["cpu_seconds_to_target"]["missing"] == 0, "a seed never reached the target"
    assert accuracy / 100 <= claims["target"]
    assert seconds >= claims["cpu_seconds_to_target"]["max"], f"README says under {seconds} s, the slowest seed took {claims['cpu_seconds_to_target']['max']}"


def test_the_intro_claims_what_the_fast_recipe_table_says():
    (accuracy,) = readme_numbers(r"that reaches (\d+\.\d)% test accuracy at every seed in seconds")
    assert accuracy <= 100 * report("claims")["fast"]["test_acc"]["min"]


def test_shipped_model_accuracy_is_the_worst_seed():
    shipped = report("claims").get("shipped")
    if shipped is None:
        pytest.fail("bench/reports/claims.json has no shipped runs: run `python3 bench/claims.py --shipped`")
    (accuracy,) = readme_numbers(r"reads (\d+\.\d)% of MNIST test, ")
    assert len(shipped["runs"]) >= 5
    assert accuracy <= 100 * shipped["test_acc"]["min"]


def test_drawn_figures_are_the_worst_seed_of_each_set():
    drawn = report("claims")["drawn"]["sets"]
    catalogue, soft_pens, uci = readme_numbers(r"(\d+\.\d)% of our style catalogue drawn\s+with a canvas pen, "
                                               r"(\d+\.\d)% of MNIST test digits redrawn with soft pens and "
                                               r"(\d+\.\d)% of the UCI digits")
    (fonts,) = readme_numbers(r"(\d+\.\d)% of the digits of \d+ handwriting typefaces")
    (small,) = readme_numbers(r"the catalogue reads (\d+\.\d)%")
    (blind,) = readme_numbers(r"sizes and places, read (\d+\.\d)% \(BLIND, worst of five seeds\)")
    sets = {"catalogue REPORT, CPython path": catalogue, "MNIST test, soft pens (no thinning)": soft_pens, "UCI digits": uci,
            "handwriting fonts REPORT": fonts, "catalogue REPORT, drawn small, CPython path": small,
            "catalogue BLIND, CPython path": blind}
    for name, claimed in sets.items():
        assert len(drawn[name]["values"]) >= 5, name
        assert claimed <= 100 * drawn[name]["min"], f"README claims {claimed}% for {name}, worst seed {drawn[name]['min']}"
