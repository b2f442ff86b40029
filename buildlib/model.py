"""The pretrained model the site ships, trained with mlp_core in CPython and cached.

The cache key is the sha256 of the recipe's repr, every mlp_core source file and the MNIST hashes, so
the model is retrained exactly when one of them changes. The model is trained on all 60,000 training
images and scored on the 10,000 test images; the accuracy goes into its metadata and build-info.json.
"""

import hashlib
import json
import os
import time
from pathlib import Path

from .errors import BuildError
from .paths import MLP_CORE_DIR
from .site import mlp_core_sources

SHIPPED_RECIPE = "shipped"
QUICK_EPOCHS = 1  # --quick-model: a model to try the site with while developing, never the default


def shipped_recipe(quick: bool):
    from mlp_core.recipes import RECIPES
    if SHIPPED_RECIPE not in RECIPES:
        raise BuildError(f"mlp_core.recipes.RECIPES has no '{SHIPPED_RECIPE}' recipe (it has {sorted(RECIPES)})")
    recipe = RECIPES[SHIPPED_RECIPE]
    return recipe.replace(epochs=QUICK_EPOCHS) if quick else recipe


def model_key(recipe, mnist_hashes: dict) -> str:
    digest = hashlib.sha256(repr(recipe).encode())
    for path in mlp_core_sources():
        digest.update(path.relative_to(MLP_CORE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(sorted(mnist_hashes.items())).encode())
    return digest.hexdigest()


def pretrained_model(mnist: dict, mnist_hashes: dict, cache: Path, quick: bool = False) -> dict:
    """Train (or reuse) the shipped model. Returns {path, key, recipe, test_accuracy, quick, trained}."""
    from mlp_core import load_model, save_model
    from mlp_core.fast import FusedAdamW
    from mlp_core.trainer import Trainer

    recipe = shipped_recipe(quick)
    key = model_key(recipe, mnist_hashes)
    path = cache / "model" / f"{key}.npz"
    label = f"'{SHIPPED_RECIPE}'" + (f" (quick: {QUICK_EPOCHS} epoch)" if quick else "")
    trained = not path.is_file()
    if trained:
        print(f"Training the pretrained model, recipe {label}, on all 60,000 images...", flush=True)
        started = time.perf_counter()
        # FusedAdamW, as the page and the CLI train: `python -m mlp_core train --recipe shipped` gives these weights.
        trainer = Trainer(recipe, mnist["train_x"], mnist["train_y"], adamw=FusedAdamW)
        while True:
            progress = trainer.run(max_seconds=2)  # short calls: each epoch is printed as it ends
            for result in progress["epoch_results"]:
                print(f"  epoch {result['epoch']}/{progress['epochs']}: loss {result['loss']:.4f}, "
                      f"train acc {result['train_acc']:.4f} ({time.perf_counter() - started:.0f} s)", flush=True)
            if progress["diverged"]:
                raise BuildError(f"training the pretrained model diverged: {progress['diverged']}")
            if progress["done"]:
                break
        model = trainer.model
        accuracy = model.accuracy(mnist["test_x"], mnist["test_y"])
        # The trainer already wrote the recipe and per-epoch results into the metadata.
        model.metadata.update({"name": "pretrained", "test_accuracy": accuracy, "quick_build": quick})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{key}.tmp-{os.getpid()}.npz")
        save_model(model, tmp)
        os.replace(tmp, path)
        print(f"  trained in {time.perf_counter() - started:.0f} s, cached as {path}", flush=True)
    model = load_model(path)
    accuracy = model.accuracy(mnist["test_x"], mnist["test_y"])
    stored = model.metadata.get("test_accuracy")
    if stored is None or abs(stored - accuracy) > 5e-4:  # another BLAS may flip a near-tie or two
        print(f"  warning: {path} says test accuracy {stored}, measured {accuracy:.4f} here", flush=True)
    print(f"Pretrained model {label}: test accuracy {accuracy:.4f}" + ("" if trained else " (cached)"), flush=True)
    return {"path": path, "key": key, "recipe": SHIPPED_RECIPE, "recipe_repr": repr(recipe),
            "test_accuracy": accuracy, "quick": quick, "trained": trained}
