"""Training throughput of two builds of the page, in one run, alternating: is the new page slower than an old one?

    python3 bench/ab_pages.py [--before da8e8b0] [--rounds 3]
    python3 bench/ab_pages.py --ready LOADS     time to ready instead (bench/reports/ab_ready.md)
    python3 bench/ab_pages.py --to97 RUNS      Train with each page's default settings: seconds and samples from the
                                               click to the first validation >= 97% (bench/reports/ab_to97.md)
    python3 bench/ab_pages.py --paired PAIRS   both pages hold a paused long run and take turns training for a few
                                               seconds (bench/reports/ab_paired.md): neighbouring windows share the
                                               machine's mood, so paired ratios resolve what whole runs cannot

Builds commit --before (a 1-epoch pretrained model: throughput does not depend on it) into a temporary folder,
serves it beside the current dist/, and times the same long run in each (784-100-200-10, float32, SGD, batch
128, as bench/browser.py's throughput row) with the Cores setting at 1 and at the page's default, alternating
the order every round; bench/reference_kernel.py runs in the bare Pyodide page before each round. Writes
bench/reports/ab_pages.md and .json. Ratios within one run hold on a shared machine where absolute rates do not.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser as bench  # noqa: E402  (bench/browser.py: the page driving and the reference kernel)
from ab_steps import ratio_summary  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from buildlib.paths import cache_dir  # noqa: E402
from buildlib.serve import make_server  # noqa: E402

REPORT = bench.REPO_ROOT / "bench" / "reports" / "ab_pages.md"
# The last commit before the readable-core redesign (issue 14 measured its tree; its report said page/reference
# 1.26 on two cores, 1.25 on one).
DEFAULT_BEFORE = "da8e8b0"
SETTINGS = (("1", "Cores 1"), (None, "Cores: the page's default"))
KINDS = {"training": "training (page's own reading)", "wall": "wall (progress bar)"}


def build_commit(commit: str, into: Path) -> Path:
    """A checkout of ``commit`` built with its own build.py (quick model) into ``into``/dist."""
    source = into / "src"
    subprocess.run(["git", "-C", str(bench.REPO_ROOT), "worktree", "add", "--detach", "-f", str(source), commit],
                   check=True, capture_output=True)
    # The same download cache as this build: no second download of Pyodide, numpy and MNIST.
    env = dict(os.environ, MLP_QUICK_MODEL="1", MLP_DIST_DIR=str(into / "dist"), MLP_CACHE_DIR=str(cache_dir()))
    subprocess.run([sys.executable, "build.py"], cwd=source, env=env, check=True)
    return into / "dist"


def serve(dist: Path) -> str:
    server = make_server(dist, "127.0.0.1", 0, handler=bench.BenchHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def page_rates(browser, url: str, cores) -> tuple[float, float]:
    """(training, wall) samples/s in a fresh context: the median of the page's own `#throughput` readings (it
    counts training time only) and the median over 2-second windows of `#progress` (evaluations included).

    Service workers are blocked: the server sends the isolation headers itself, and the new page's offline
    precache (~17 MB, which the old page does not have) would run during the timed window."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=bench.READY_TIMEOUT_MS)
    shown_rates, window_rates = bench.page_throughput(page, "sgd", cores)
    bench.stop_training(page)
    context.close()
    return statistics.median(shown_rates), statistics.median(window_rates)


def measure(urls: dict, rounds: int) -> dict:
    rates = {(site, cores, kind): [] for site in urls for cores, _ in SETTINGS for kind in KINDS}
    reference = []
    with sync_playwright() as playwright:
        browser = bench.launch_chromium(playwright, bench.chromium_executable())
        for round_index in range(rounds):
            reference.append(bench.reference_rate(browser, urls["after"] + bench.FLOOR_PATH.lstrip("/")))
            order = list(urls) if round_index % 2 == 0 else list(urls)[::-1]
            for cores, _ in SETTINGS:
                for site in order:
                    for kind, rate in zip(KINDS, page_rates(browser, urls[site], cores)):
                        rates[site, cores, kind].append(rate)
                    print(f"round {round_index + 1} {site} cores={cores or 'default'}: training "
                          f"{rates[site, cores, 'training'][-1]:,.0f}, wall {rates[site, cores, 'wall'][-1]:,.0f} samples/s", flush=True)
        browser.close()
    return {"rates": {f"{site} {cores or 'default'} {kind}": values for (site, cores, kind), values in rates.items()},
            "reference": reference}


def ready_ms(browser, url: str) -> float:
    """performance.now() when the page can predict, in a fresh context (as bench/browser.py's ready row)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(bench.READY_PROBE)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=bench.READY_TIMEOUT_MS)
    ready = page.evaluate("window.__readyAt")
    context.close()
    return ready


def alternate(urls: dict, count: int, measure_one, label: str) -> dict:
    """``count`` rounds of ``measure_one(browser, url)`` on each page, alternating (the order flips every round)."""
    results = {site: [] for site in urls}
    with sync_playwright() as playwright:
        browser = bench.launch_chromium(playwright, bench.chromium_executable())
        for index in range(count):
            for site in (list(urls) if index % 2 == 0 else list(urls)[::-1]):
                results[site].append(measure_one(browser, urls[site]))
            print(f"{label} {index + 1}: " + ", ".join(f"{site} {r[-1]}" for site, r in results.items()), flush=True)
        browser.close()
    return results


def measure_ready(urls: dict, loads: int) -> dict:
    """Cold loads alternating before/after (the order flips every pair); ratios per pair."""
    return alternate(urls, loads, ready_ms, "load")


LOOK_SECONDS = 5  # from ready to the Train click: a visitor looks at the page first


def first_97(browser, url: str) -> dict:
    """Train pressed with the page's default settings in a fresh context (service workers blocked, so each run
    downloads its training images as a first visit would): ms from the click to the first epoch-log row with
    validation >= 97%, and the samples seen then (the Samples column, or whole epochs x the training-set size)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=bench.READY_TIMEOUT_MS)
    page.evaluate(bench.EPOCH_PROBE)
    headers = page.eval_on_selector_all("#epoch-log th", "cells => cells.map((c) => c.textContent.trim().toLowerCase())")
    val, samples = headers.index("val. acc."), headers.index("samples") if "samples" in headers else None
    train_size = int(page.input_value("#train-size"))
    page.wait_for_timeout(LOOK_SECONDS * 1000)  # as a visitor would; the newer page loads a helper meanwhile
    helper = page.get_attribute("#cores-used", "data-helper")
    page.click("#train")
    reached = None
    while reached is None and page.evaluate("document.body.dataset.state") != "idle":
        rows = page.evaluate("window.__epochs")
        reached = next((row for row in rows if (bench.parse_percent(row["cells"][val]) or 0) >= 0.97), None)
        page.wait_for_timeout(250)  # polling only: each row's time is taken in the page when it appears
    if page.evaluate("document.body.dataset.state") == "training":
        bench.stop_training(page)
    context.close()
    if reached is None:
        return {"ms": None, "samples": None, "helper": helper}
    seen = int(reached["cells"][samples].replace(",", "")) if samples is not None else int(float(reached["cells"][0]) * train_size)
    return {"ms": reached["at"], "samples": seen, "helper": helper}


# Every training-progress event the page's worker sends, stamped on arrival: [performance.now(), samples seen].
PROGRESS_LOG = """(() => {
  window.__progress = [];
  const Native = window.Worker;
  window.Worker = function (...args) {
    const worker = new Native(...args);
    worker.addEventListener("message", ({ data }) => {
      if (data && data.event === "progress") window.__progress.push([performance.now(), data.samples_seen]);
    });
    return worker;
  };
  window.Worker.prototype = Native.prototype;
})();"""
PAIRED_EPOCHS = 60  # long enough that the turns never reach the run's end
PAIRED_SECONDS = 3


def paused_run(browser, url: str, cores):
    """A fresh context on ``url`` whose long throughput run (as page_rates's) is past its first epoch, paused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.add_init_script(PROGRESS_LOG)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=bench.READY_TIMEOUT_MS)
    bench.start_long_run(page, "sgd", cores, PAIRED_EPOCHS)
    # Past the first epoch, where only the newer page also validates between epoch ends.
    page.wait_for_function(f"() => document.querySelector('#progress').value > {1.1 / PAIRED_EPOCHS}", timeout=120_000)
    set_paused(page, True)
    return context, page


def set_paused(page, paused: bool) -> None:
    page.click("#pause")
    page.wait_for_function(f"() => document.body.dataset.state === '{'paused' if paused else 'training'}'", timeout=60_000)


def turn_rate(page) -> float:
    """Resume for about PAIRED_SECONDS and pause again: samples per second of training chunks in that turn.

    Between two progress events lies one chunk of the worker's loop; chunks that added no samples were
    evaluation (an epoch's end) and stay out, so both pages are timed on training alone. The first event of a
    turn stays out too: its interval holds the resume."""
    logged = page.evaluate("window.__progress.length")
    set_paused(page, False)
    page.wait_for_timeout(PAIRED_SECONDS * 1000)  # the turn itself, not a wait for a state
    set_paused(page, True)
    events = page.evaluate(f"window.__progress.slice({logged})")
    steps = [(t1 - t0, s1 - s0) for (t0, s0), (t1, s1) in zip(events, events[1:]) if s1 > s0]
    return sum(s for _, s in steps) / (sum(t for t, _ in steps) / 1000)


def measure_paired(urls: dict, pairs: int) -> dict:
    results = {}
    with sync_playwright() as playwright:
        browser = bench.launch_chromium(playwright, bench.chromium_executable())
        for cores, _ in SETTINGS:
            runs = {site: paused_run(browser, url, cores) for site, url in urls.items()}
            rates = {site: [] for site in urls}
            for index in range(pairs):
                for site in (list(urls) if index % 2 == 0 else list(urls)[::-1]):
                    rates[site].append(turn_rate(runs[site][1]))
                print(f"cores={cores or 'default'} pair {index + 1}: " + ", ".join(f"{site} {r[-1]:,.0f}" for site, r in rates.items()), flush=True)
            for context, _ in runs.values():
                context.close()
            results[cores or "default"] = rates
        browser.close()
    return results


def write_paired_report(results: dict, before: str, after: str, command: str) -> str:
    lines = [
        "# The page's training throughput, before and after, taking turns",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: headless Chromium, "
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} when the run ended.",
        f"Before: commit {before} (its own build, 1-epoch model). After: {after} (dist/). Per Cores setting, each page "
        f"starts the Train form's 784-100-200-10, SGD, batch {bench.BATCH}, {bench.THROUGHPUT_IMAGES:,} images, "
        f"{PAIRED_EPOCHS} epochs, lets it pass its first epoch (where only the newer page also validates between "
        f"epoch ends) and pauses it; then the two take turns: Resume, about {PAIRED_SECONDS} s, Pause. A turn's rate: "
        "the samples its training chunks added over the time between their progress events (stamped as they reach "
        "the page), chunks of epoch-end evaluation left out, as the page's own throughput reading leaves them out. The order flips every pair. Whole runs minutes apart differ by 10-20% on this shared machine; turns "
        "seconds apart share its mood, so the per-pair ratios are what resolve a few percent.",
        "",
        "| setting | before, samples/s (median) | after (median) | after / before per pair: median | geometric mean, 95% interval | pairs |",
        "|---|---|---|---|---|---|",
    ]
    for cores, label in SETTINGS:
        rates = results[cores or "default"]
        ratios = [new / old for old, new in zip(rates["before"], rates["after"])]
        geomean, low, high = ratio_summary(ratios)
        lines.append(f"| {label} | {statistics.median(rates['before']):,.0f} | {statistics.median(rates['after']):,.0f} | "
                     f"**{statistics.median(ratios):.3f}** | {geomean:.3f} ({low:.3f}-{high:.3f}) | {len(ratios)} |")
    lines += ["", "The interval: 2 standard errors either side of the mean log ratio.", ""]
    for cores, label in SETTINGS:
        rates = results[cores or "default"]
        lines.append(f"- {label}, after/before per pair: " + ", ".join(
            f"{new / old:.3f}" for old, new in zip(rates["before"], rates["after"])) + ".")
    return "\n".join(lines + [""])


def measure_to97(urls: dict, runs: int) -> dict:
    return alternate(urls, runs, first_97, "run")


def write_to97_report(results: dict, before: str, after: str, command: str) -> str:
    def seconds(site):
        return [r["ms"] / 1000 for r in results[site] if r["ms"] is not None]

    pairs = [new["ms"] / old["ms"] for old, new in zip(results["before"], results["after"]) if old["ms"] and new["ms"]]
    return "\n".join([
        "# Train pressed to 97% validation, before and after, in one run",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: headless Chromium, "
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} when the run ended.",
        f"Before: commit {before} (its own build, 1-epoch model). After: {after} (dist/). Each run: a fresh browser "
        "context (service workers blocked: the training images are downloaded as on a first visit, from this "
        f"machine's server), each page's default Train settings, the click {LOOK_SECONDS} s after the page is ready (a "
        "visitor looks at it first), the time from the click to the first epoch-log row with validation >= 97%; runs "
        "alternate, the order flipping every pair.",
        "",
        "- The helper worker (`#cores-used[data-helper]`) at the click: "
        + "; ".join(f"{site} " + ", ".join(str(r.get("helper")) for r in results[site]) for site in ("before", "after")) + ".",
        f"- Samples seen then: before {', '.join(str(r['samples']) for r in results['before'])}; "
        f"after {', '.join(str(r['samples']) for r in results['after'])}.",
        f"- Seconds: before {', '.join(f'{s:.1f}' for s in seconds('before'))} (median {statistics.median(seconds('before')):.1f}); "
        f"after {', '.join(f'{s:.1f}' for s in seconds('after'))} (median {statistics.median(seconds('after')):.1f}).",
        f"- After/before per pair: {', '.join(f'{r:.2f}' for r in pairs)}; median **{statistics.median(pairs):.2f}**.",
        "",
    ])


def write_ready_report(times: dict, before: str, after: str, command: str) -> str:
    pairs = [new / old for old, new in zip(times["before"], times["after"])]
    return "\n".join([
        "# Ready to predict, before and after, in one run",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: headless Chromium, "
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} when the run ended.",
        f"Before: commit {before} (its own build, 1-epoch model). After: {after} (dist/). Each load: a fresh browser "
        "context, `performance.now()` when `body[data-ready=true]` appears (as bench/browser.py's ready row); loads "
        "alternate, the order flipping every pair.",
        "",
        f"- Median: before {statistics.median(times['before']) / 1000:.2f} s, after {statistics.median(times['after']) / 1000:.2f} s; "
        f"after/before per pair, median **{statistics.median(pairs):.2f}** (pairs: {', '.join(f'{r:.2f}' for r in pairs)}).",
        f"- Before: {', '.join(f'{t / 1000:.2f}' for t in times['before'])} s; after: {', '.join(f'{t / 1000:.2f}' for t in times['after'])} s.",
        "",
    ])


def write_report(result: dict, before: str, after: str, command: str) -> str:
    rates, reference = result["rates"], statistics.median(result["reference"])
    lines = [
        "# The page's training throughput, before and after, in one run",
        "",
        f"`{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: headless Chromium, "
        f"{os.cpu_count()} shared cores, load average {os.getloadavg()[0]:.1f} when the run ended.",
        f"Before: commit {before} (built by its own build.py, 1-epoch pretrained model). After: {after} (dist/).",
        "",
        "| setting | samples/s | before (median of rounds) | after | after / before | after / reference kernel |",
        "|---|---|---|---|---|---|",
    ]
    for cores, label in SETTINGS:
        for kind in KINDS:
            key = f"{cores or 'default'} {kind}"
            old, new = statistics.median(rates[f"before {key}"]), statistics.median(rates[f"after {key}"])
            result.setdefault("ratios", {})[key] = new / old
            lines.append(f"| {label} | {KINDS[kind]} | {old:,.0f} | {new:,.0f} | **{new / old:.2f}** | {new / reference:.2f} |")
    lines += [
        "",
        f"Reference kernel (bench/reference_kernel.py in a bare Pyodide worker, once per round): "
        f"{', '.join(f'{r:,.0f}' for r in result['reference'])} samples/s.",
        "Each rate: a fresh browser context on that build, the Train form set to 784-100-200-10, SGD, batch 128, "
        f"{bench.THROUGHPUT_IMAGES:,} images, 20 epochs, then samples/s from `#progress` over 2-second windows for "
        f"{bench.THROUGHPUT_SECONDS} s, as bench/browser.py measures its throughput row: training = the page's own "
        "`#throughput` readings every 0.5 s (it counts training time only), wall = `#progress` over 2-second windows "
        "(the pauses for validation included, so a page that validates more often scores lower). Per round: "
        + "; ".join(f"{name}: {', '.join(f'{v:,.0f}' for v in values)}" for name, values in rates.items()) + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the commit to compare against (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ready", type=int, metavar="LOADS",
                        help="instead of throughput: LOADS cold loads of each page, time to ready (bench/reports/ab_ready.md)")
    parser.add_argument("--to97", type=int, metavar="RUNS",
                        help="instead of throughput: RUNS default Train runs in each page, click to 97%% validation (bench/reports/ab_to97.md)")
    parser.add_argument("--paired", type=int, metavar="PAIRS",
                        help="instead of throughput: the two pages take turns, PAIRS pairs per Cores setting (bench/reports/ab_paired.md)")
    args = parser.parse_args(argv)
    if not (bench.DIST / "index.html").exists():
        sys.exit("error: no built site in dist/: run `python3 build.py` first.")
    after = subprocess.run(["git", "-C", str(bench.REPO_ROOT), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ab-pages-") as folder:
        try:
            before_dist = build_commit(args.before, Path(folder))
            urls = {"before": serve(before_dist), "after": serve(bench.DIST)}
            if args.ready:
                result = measure_ready(urls, args.ready)
            elif args.to97:
                result = measure_to97(urls, args.to97)
            elif args.paired:
                result = measure_paired(urls, args.paired)
            else:
                result = measure(urls, args.rounds)
        finally:
            subprocess.run(["git", "-C", str(bench.REPO_ROOT), "worktree", "remove", "--force", str(Path(folder) / "src")],
                           capture_output=True)
    command = "python3 bench/ab_pages.py" + (f" --before {args.before}" if args.before != DEFAULT_BEFORE else "") + \
        (f" --rounds {args.rounds}" if args.rounds != 3 else "") + (f" --ready {args.ready}" if args.ready else "") + \
        (f" --to97 {args.to97}" if args.to97 else "") + (f" --paired {args.paired}" if args.paired else "")
    if args.paired:
        report = REPORT.with_name("ab_paired.md")
        report.write_text(write_paired_report(result, args.before, after, command))
        print(report.read_text())
        return 0
    if args.to97:
        report = REPORT.with_name("ab_to97.md")
        report.write_text(write_to97_report(result, args.before, after, command))
        print(report.read_text())
        return 0
    if args.ready:
        report = REPORT.with_name("ab_ready.md")
        report.write_text(write_ready_report(result, args.before, after, command))
        print(report.read_text())
        return 0
    REPORT.write_text(write_report(result, args.before, after, command))
    REPORT.with_suffix(".json").write_text(json.dumps(dict(result, before=args.before, after=after), indent=2) + "\n")
    print(REPORT.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
