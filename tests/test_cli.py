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
    assert "not an .npz model file" in capsys.readouterr().err
