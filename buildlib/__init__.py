"""Helpers of build.py: fetch and verify pinned artifacts, pack MNIST, train the shipped model, assemble
and serve the static site. `python3 build.py` is the entry point."""
