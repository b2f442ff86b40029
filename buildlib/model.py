"""The pretrained model the site ships, trained with mlp_core in CPython and cached.

The cache key is the sha256 of the recipe's repr, every mlp_core source file, the MNIST hashes and the
numpy version (another numpy may round differently), so the model is retrained exactly when one of
them changes. The model is trained on the MNIST training images the recipe does not hold out, plus the recipe's synthetic handwriting (mlp_core.strokes); its
temperature is fitted on the held-out images (mlp_core.confidence) and it is scored on the 10,000 test
images. Accuracy, temperature, calibration error before/after and the file's size go into its metadata
and build-info.json, with a fingerprint of the trained weights, so two builds compare at a glance.
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
CALIBRATION_KEYS = ("temperature", "min_energy", "calibration_images", "test_ece_before", "test_ece_after")
QUICK_EPOCHS = 1  # --quick-model: a model to try the site with while developing, never the default


def shipped_recipe(quick: bool):
    from mlp_core.recipes import RECIPES
    if SHIPPED_RECIPE not in RECIPES:
        raise BuildError(f"mlp_core.recipes.RECIPES has no '{SHIPPED_RECIPE}' recipe (it has {sorted(RECIPES)})")
    recipe = RECIPES[SHIPPED_RECIPE]
    return recipe.replace(epochs=QUICK_EPOCHS) if quick else recipe


def model_key(recipe, mnist_hashes: dict) -> str:
    import numpy

    digest = hashlib.sha256(repr(recipe).encode() + f"numpy {numpy.__version__}".encode())
    for path in mlp_core_sources():
        digest.update(path.relative_to(MLP_CORE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(sorted(mnist_hashes.items())).encode())
    return digest.hexdigest()


def fingerprint(model) -> str:
    """sha256 of what the model computes (sizes, dtype, input normalisation, every weight and bias), not of the
    .npz, whose zip entries carry timestamps and whose metadata carries training times."""
    digest = hashlib.sha256(json.dumps([model.sizes, str(model.dtype), model.input_mean, model.input_std]).encode())
    for param, _ in model.network.parameters():
        digest.update(param.tobytes())
    return digest.hexdigest()


def training_sets(recipe, mnist: dict):
    """(train_x, train_y, held_x, held_y): MNIST minus the held-out tail, plus the synthetic styles, then the drawings
    that are no digit, last (train_shipped measures train accuracy on the rows before them)."""
    import numpy as np

    from mlp_core.data import split_validation
    from mlp_core.strokes import synthesise, synthesise_not_digits

    train_x, train_y, held_x, held_y = split_validation(mnist["train_x"], mnist["train_y"], recipe.validation_size)
    if recipe.synthetic_styles:
        styles_x, styles_y = synthesise(recipe.synthetic_styles, np.random.default_rng(recipe.seed + 1), recipe.synthetic_pen)
        train_x, train_y = np.concatenate([train_x, styles_x]), np.concatenate([train_y, styles_y])
    if recipe.not_digits:
        # Each once per label: the target of a drawing that is no digit is the even spread over all ten.
        others = synthesise_not_digits(recipe.not_digits, np.random.default_rng(recipe.seed + 3),
                                       recipe.synthetic_pen)
        labels = np.arange(recipe.sizes[-1], dtype=train_y.dtype)
        train_x = np.concatenate([train_x, np.repeat(others, len(labels), axis=0)])
        train_y = np.concatenate([train_y, np.tile(labels, len(others))])
    return train_x, train_y, held_x, held_y


def calibration_set(recipe, held_x, held_y):
    """Held-out images for the temperature: the MNIST tail as it is, the same images through the training
    augmentation (drawings vary more than MNIST does), and synthetic styles from a seed training never used."""
    import numpy as np

    from mlp_core.augment import augment_batch, recipe_strengths
    from mlp_core.strokes import synthesise

    rng = np.random.default_rng(recipe.seed + 2)
    unit = held_x / np.float32(255)
    parts_x, parts_y = [unit, augment_batch(unit, rng, recipe_strengths(recipe))], [held_y, held_y]
    if recipe.synthetic_styles:
        styles_x, styles_y = synthesise(len(held_y) // 2, rng, recipe.synthetic_pen)
        parts_x.append(styles_x / np.float32(255))
        parts_y.append(styles_y)
    return np.concatenate(parts_x), np.concatenate(parts_y)


def calibrate(model, recipe, held_x, held_y, test_x, test_y) -> dict:
    """Metadata for the model: the temperature and energy floor fitted on held-out images, test ECE before and after."""
    from mlp_core.confidence import calibrated, energy_floor, expected_calibration_error, fit_temperature

    cal_x, cal_y = calibration_set(recipe, held_x, held_y)
    cal_logits = model.logits(cal_x)
    temperature = fit_temperature(cal_logits, cal_y)
    test_logits = model.logits(test_x / 255.0)
    return {
        "temperature": temperature,
        "min_energy": energy_floor(cal_logits),
        "calibration_images": len(cal_y),
        "test_ece_before": expected_calibration_error(calibrated(test_logits, 1.0), test_y),
        "test_ece_after": expected_calibration_error(calibrated(test_logits, temperature), test_y),
    }


def train_shipped(recipe, mnist: dict, label: str):
    """The shipped model of ``recipe``, trained and calibrated as the build does it (bench/claims.py trains
    other seeds through here, so its figures are of what the build ships)."""
    from mlp_core.fast import FusedAdamW
    from mlp_core.trainer import Trainer

    train_x, train_y, held_x, held_y = training_sets(recipe, mnist)
    print(f"Training the pretrained model, recipe {label}, {recipe.sizes}, on {len(train_x):,} images "
          f"({recipe.synthetic_styles:,} synthetic digits, {recipe.not_digits:,} drawings that are no digit x "
          f"{recipe.sizes[-1]} labels; {len(held_y):,} MNIST images held out)...", flush=True)
    started = time.perf_counter()
    # The page's AdamW (tested equal to nn.AdamW up to float rounding): the weights the page would train.
    digits = len(train_x) - recipe.not_digits * recipe.sizes[-1]  # training_sets puts the no-digit drawings last
    trainer = Trainer(recipe, train_x, train_y, adamw=FusedAdamW, train_eval=(train_x[:digits], train_y[:digits]))
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
    model.metadata.update({"name": "pretrained", "test_accuracy": accuracy})
    if held_y is not None:
        model.metadata.update(calibrate(model, recipe, held_x, held_y, mnist["test_x"], mnist["test_y"]))
    return model


def pretrained_model(mnist: dict, mnist_hashes: dict, cache: Path, quick: bool = False) -> dict:
    """Train (or reuse) the shipped model. Returns {path, key, recipe, test_accuracy, quick, trained}."""
    from mlp_core import load_model, save_model

    recipe = shipped_recipe(quick)
    key = model_key(recipe, mnist_hashes)
    path = cache / "model" / f"{key}.npz"
    label = f"'{SHIPPED_RECIPE}'" + (f" (quick: {QUICK_EPOCHS} epoch)" if quick else "")
    trained = not path.is_file()
    if trained:
        started = time.perf_counter()
        model = train_shipped(recipe, mnist, label)
        model.metadata["quick_build"] = quick
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
    calibration = {name: model.metadata[name] for name in CALIBRATION_KEYS if name in model.metadata}
    print(f"Pretrained model {label}: {model.sizes}, {path.stat().st_size:,} bytes, test accuracy {accuracy:.4f}"
          + ("" if trained else " (cached)"), flush=True)
    if calibration:
        print(f"  temperature {calibration['temperature']:.3f}: test ECE {calibration['test_ece_before']:.4f} "
              f"before, {calibration['test_ece_after']:.4f} after", flush=True)
    return {"path": path, "key": key, "recipe": SHIPPED_RECIPE, "recipe_repr": repr(recipe),
            "test_accuracy": accuracy, "fingerprint": fingerprint(model), "quick": quick, "trained": trained, "sizes": model.sizes,
            "parameters": sum(p.size for p, _ in model.network.parameters()), "bytes": path.stat().st_size,
            **calibration}
