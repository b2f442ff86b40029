"""Shared fixtures. Real MNIST comes from $MNIST_DIR, else from where `python3 build.py fetch` puts it."""
import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder of the real MNIST files. Without them a developer's run skips the test; under CI=true (as
    tests/e2e/conftest.py treats a missing site) it fails, so CI cannot pass by skipping."""
    from buildlib import paths
    from mlp_core.data import MNIST_DIR_ENV, mnist_dir

    try:
        return mnist_dir(os.environ.get(MNIST_DIR_ENV) or paths.mnist_dir())
    except FileNotFoundError as error:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"real MNIST not available, and CI=true forbids skipping: {error}", pytrace=False)
        pytest.skip(f"real MNIST not available ({error}): run `python3 build.py fetch`")


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """The verified MNIST arrays."""
    from mlp_core.data import load_mnist

    return load_mnist(mnist_dir)


@pytest.fixture
def synthetic_digits():
    """A small learnable stand-in for MNIST: 10 noisy uint8 prototypes, (600, 784) images and labels."""
    rng = np.random.default_rng(1234)
    prototypes = rng.random((10, 784)) < 0.2
    labels = rng.integers(0, 10, size=600).astype(np.uint8)
    flips = rng.random((600, 784)) < 0.05
    images = (prototypes[labels] ^ flips).astype(np.uint8) * 255
    return images, labels
