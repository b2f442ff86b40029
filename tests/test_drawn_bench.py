"""The drawn-digit benchmark's own machinery: the catalogue and its splits, placement, the NumPy pen,
the calibration measure, reading the page's answer, and the soft-pen MNIST renderer."""

import math

import numpy as np
import pytest

from bench import drawn, pen
from bench.drawn_page import BLIND_PLACEMENTS, SPACINGS, drawings, parse_shown
from bench.strokes import (DIGIT_STYLES, HELD_OUT_SPLITS, NON_DIGIT_STYLES, PLACEMENTS, SMALL_PLACEMENTS, SPLITS,
                           TUNE_MORE_SPLITS, load, place)
from bench.teach import WRITERS


@pytest.fixture(scope="module")
def catalogue():
    return {split: load(split) for split in SPLITS}


def normalised(strokes):
    """A drawing reduced to its shape: placed the same way, rounded (a jittered copy would still differ)."""
    return tuple(tuple((round(x, 3), round(y, 3)) for x, y in s) for s in place(strokes, PLACEMENTS[0]))


def test_every_style_is_in_both_splits_with_several_variants(catalogue):
    for split, drawings_ in catalogue.items():
        styles = {}
        for d in drawings_:
            styles.setdefault(d.style, []).append(d)
        assert set(styles) == set(DIGIT_STYLES) | set(NON_DIGIT_STYLES), split
        for style, variants in styles.items():
            assert len(variants) >= 2, (split, style)
            assert all(v.label == (None if style in NON_DIGIT_STYLES else int(style[0])) for v in variants)


def test_splits_hold_different_shapes(catalogue):
    tune = {normalised(d.strokes) for d in catalogue["tune"]}
    report = {normalised(d.strokes) for d in catalogue["report"]}
    assert len(tune) == len(catalogue["tune"]) and len(report) == len(catalogue["report"])  # no duplicates within a split
    assert not tune & report
    names = {(d.style, d.variant) for d in catalogue["tune"]} & {(d.style, d.variant) for d in catalogue["report"]}
    assert not names, "a variant name in both splits invites mixing them up"


def test_strokes_are_finite_points_in_the_unit_box(catalogue):
    for d in catalogue["tune"] + catalogue["report"]:
        for stroke in d.strokes:
            assert len(stroke) >= 2, (d.style, d.variant)
            for x, y in stroke:
                assert math.isfinite(x) and math.isfinite(y)
                assert -0.1 <= x <= 1.1 and -0.1 <= y <= 1.1, (d.style, d.variant, x, y)



def same_shape(a, b, tolerance=0.03):
    """Two drawings alike once placed the same way: same strokes and points, each within `tolerance` of the pad."""
    a, b = place(a, PLACEMENTS[0]), place(b, PLACEMENTS[0])
    return [len(s) for s in a] == [len(s) for s in b] and all(
        math.dist(p, q) <= tolerance for sa, sb in zip(a, b) for p, q in zip(sa, sb))


@pytest.mark.parametrize("split, names", [("fresh", ["e", "f"]), ("tune_more", ["m1", "m2", "m3", "m4"])])
def test_teach_splits_hold_new_shapes_of_the_taught_styles(catalogue, split, names):
    assert split in HELD_OUT_SPLITS + TUNE_MORE_SPLITS and split not in SPLITS  # loadable, but not held to every style
    drawings = load(split)
    styles = {}
    for d in drawings:
        styles.setdefault(d.style, []).append(d)
    assert set(styles) == {style for _, taught in WRITERS.values() for style in taught}  # every style a writer may teach
    for style, variants in styles.items():
        assert sorted(v.variant for v in variants) == names, style
        assert all(v.split == split and v.label == int(style[0]) for v in variants), style
    assert_new_shapes(catalogue, drawings)


def assert_new_shapes(catalogue, drawings):
    """Each drawing's points stay on the pad and its shape is no other drawing's of its style, in any split."""
    everything = [o for s in SPLITS for o in catalogue[s]] + [o for s in HELD_OUT_SPLITS + TUNE_MORE_SPLITS for o in load(s)]
    for d in drawings:
        for stroke in d.strokes:
            assert len(stroke) >= 2 and all(-0.1 <= x <= 1.1 and -0.1 <= y <= 1.1 for x, y in stroke), (d.style, d.variant)
        others = [o for o in everything if o.style == d.style and o != d]
        assert len(others) >= 3, (d.style, d.variant)  # TUNE's and REPORT's two at least
        for other in others:
            assert other.strokes != d.strokes and not same_shape(d.strokes, other.strokes), (d.style, d.variant, other.split, other.variant)


def test_blind_split_holds_new_shapes_of_every_digit_style_by_two_authors(catalogue):
    drawings = load("blind")
    styles = {}
    for d in drawings:
        styles.setdefault(d.style, []).append(d)
    assert list(styles) == list(DIGIT_STYLES)
    for style, variants in styles.items():
        assert sorted(v.variant for v in variants) == ["p1", "p2", "q1", "q2"], style  # author p's two, author q's two
        assert all(v.split == "blind" and v.label == int(style[0]) for v in variants), style
    assert_new_shapes(catalogue, drawings)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="unknown split"):
        load("test")


@pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.name)
def test_place_sets_size_and_centre(placement):
    strokes = [[(0.2, 0.0), (0.4, 1.0)], [(0.1, 0.5), (0.5, 0.5)]]  # box 0.4 wide, 1.0 high
    placed = place(strokes, placement)
    xs = [x for s in placed for x, _ in s]
    ys = [y for s in placed for _, y in s]
    assert max(ys) - min(ys) == pytest.approx(placement.size)
    assert max(xs) - min(xs) == pytest.approx(0.4 * placement.size)
    assert ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2) == pytest.approx(placement.centre)
    assert 0 <= min(xs) and max(xs) <= 1 and 0 <= min(ys) and max(ys) <= 1


def test_pen_puts_ink_where_the_stroke_is():
    ink = pen.render([[(0.25, 0.503), (0.75, 0.503)]], 100, 10.0)  # y = 50.3 px: edges fall inside pixels
    assert ink[50, 25:75].min() == pytest.approx(1.0)  # along the stroke
    assert ink[:40].max() == 0 and ink[61:].max() == 0  # away from it
    assert ink[50, :15].max() == 0 and ink[50, 86:].max() == 0  # beyond the round caps
    assert ink[:, 50].sum() == pytest.approx(10.0, abs=0.5)  # as wide as the pen
    assert ink[45, 50] == pytest.approx(0.7) and ink[55, 50] == pytest.approx(0.3)  # anti-aliased edges
    dot = pen.render([[(0.5, 0.5)]], 100, 20.0)
    assert dot.sum() == pytest.approx(math.pi * 10 ** 2, rel=0.03)  # a tap is a disk


def test_pen_lays_strokes_over_each_other_like_canvas():
    cross = pen.render([[(0.1, 0.5), (0.9, 0.5)], [(0.5, 0.1), (0.5, 0.9)]], 100, 8.0)
    assert cross.max() <= 1.0 and cross[50, 50] == pytest.approx(1.0)
    one = pen.render([[(0.1, 0.503), (0.9, 0.503)]], 100, 8.0)
    edge = one[46, 20]  # a half-covered edge pixel, covered twice: a + a (1 - a)
    twice = pen.render([[(0.1, 0.503), (0.9, 0.503)], [(0.1, 0.503), (0.9, 0.503)]], 100, 8.0)
    assert 0 < edge < 1 and twice[46, 20] == pytest.approx(edge + edge * (1 - edge))


def test_page_pen_comes_from_pad_js():
    side, width = pen.page_pen()
    assert side > 0 and 0 < width < side


def test_the_ink_pen_is_the_pads_unless_the_drawing_is_small():
    side, width = pen.page_pen()
    assert pen.ink_pen([[(0.2, 0.1), (0.5, 0.9)]]) == (side, width)  # most of the pad high: the pad's own pen
    _, small = pen.ink_pen([[(0.5, 0.5), (0.52, 0.6)], [(0.45, 0.55), (0.55, 0.55)]])  # a tenth of the pad high
    assert small == pytest.approx(0.25 * 0.1 * side)
    _, dot = pen.ink_pen([[(0.5, 0.5)]])
    assert 0 < dot < small


def test_ece_of_a_calibrated_toy_is_near_zero_and_of_an_overconfident_one_large():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.1, 1.0, 200_000)
    correct = rng.random(confidence.size) < confidence  # right exactly as often as it says
    assert drawn.ece(confidence, correct) < 0.005
    assert drawn.ece(np.full(1000, 0.99), np.arange(1000) % 2 == 0) == pytest.approx(0.49)
    assert drawn.ece(np.full(10, 0.7), np.array([1] * 7 + [0] * 3)) == pytest.approx(0.0)


def test_summary_counts_confident_mistakes_and_classes():
    s = drawn.summarise([1, 7, 7, None], [0.99, 0.95, 0.5, None], [1, 1, 7, 7])
    assert s["accuracy"] == 0.5 and s["wrong_confident"] == 1
    assert s["per_class"] == {1: (1, 2), 7: (1, 2)}


def answer(digit="4", confidence="84.0% sure", data=None, text=None):
    return {"digit": digit, "text": text if text is not None else digit, "data": {"digit": digit, **(data or {})},
            "confidence": confidence, "confidence_data": {}, "bars": [[d, 0.1] for d in range(10)], "seen": None}


def test_reading_the_page_answer():
    shown = parse_shown(answer())
    assert shown["digit"] == 4 and shown["shown_confidence"] == pytest.approx(0.84) and not shown["unsure"]
    assert parse_shown(answer(digit="", confidence=""))["digit"] is None
    assert parse_shown(answer(data={"unsure": "true"}))["unsure"]
    assert not parse_shown(answer(data={"unsure": "false"}))["unsure"]
    assert parse_shown(answer(confidence="Not sure: maybe 4 (41%)"))["unsure"]
    assert parse_shown(answer(data={"state": "unsure"}))["unsure"]


def test_page_drawings_are_report_and_blind_strokes_at_their_placements_and_both_speeds(catalogue):
    items = drawings()
    report_styles = {(d.style, d.variant) for d in catalogue["report"]}
    tune_styles = {(d.style, d.variant) for d in catalogue["tune"]}
    catalogue_items = [i for i in items if i["source"].startswith(("catalogue REPORT", "not a digit"))]
    assert {(i["style"], i["variant"]) for i in catalogue_items} == report_styles
    assert not {(i["style"], i["variant"]) for i in items} & tune_styles
    for style, variant in report_styles - {(d.style, d.variant) for d in catalogue["report"] if d.label is None}:
        mine = [i for i in catalogue_items if (i["style"], i["variant"]) == (style, variant)]
        assert {i["placement"] for i in mine} == {p.name for p in PLACEMENTS + SMALL_PLACEMENTS}
        assert {i["speed"] for i in mine} == set(SPACINGS)
    blind = [i for i in items if i["source"] == "catalogue BLIND"]
    assert {(i["style"], i["variant"]) for i in blind} == {(d.style, d.variant) for d in load("blind")}
    for style, variant in {(i["style"], i["variant"]) for i in blind}:
        mine = [i for i in blind if (i["style"], i["variant"]) == (style, variant)]
        assert [i["placement"] for i in mine] == [p.name for p in BLIND_PLACEMENTS]
        assert {i["speed"] for i in mine} == set(SPACINGS)
    assert 300 <= len(items) <= 550  # under half an hour on the page


def test_soft_pen_mnist_digit_is_a_soft_edged_drawing_inside_the_canvas():
    image = np.zeros((28, 28))
    image[6:22, 12:16] = 1.0  # a "1"
    canvas = drawn.soft_pen_canvas(image, np.random.default_rng(3))
    assert canvas.shape == (drawn.CANVAS, drawn.CANVAS)
    assert canvas.max() == pytest.approx(1.0) and ((canvas > 0.05) & (canvas < 0.95)).any()
    assert canvas[0].max() == 0 and canvas[-1].max() == 0 and canvas[:, 0].max() == 0 and canvas[:, -1].max() == 0
    rows, cols = np.nonzero(canvas > 0.5)
    assert np.ptp(rows) > 2 * np.ptp(cols)  # still tall and thin


def test_box_blur_keeps_shape_and_ink():
    image = np.zeros((30, 30))
    image[10:20, 10:20] = 1
    blurred = drawn._box_blur(image, 5)
    assert blurred.shape == image.shape and blurred.sum() == pytest.approx(image.sum())
    assert blurred[15, 15] == 1 and 0 < blurred[10, 15] < 1


def test_tune_numbers_never_land_in_the_committed_reports():
    with pytest.raises(SystemExit):
        drawn.main(["--split", "tune", "--out", str(drawn.REPO / "bench" / "reports" / "drawn.md")])


def test_unsteady_hand_moves_points_a_little_and_keeps_the_strokes():
    from bench.strokes.shapes import unsteady

    strokes = [[(0.5, 0.0), (0.5, 1.0)], [(0.2, 0.5), (0.8, 0.5)]]
    shaky = unsteady(strokes, np.random.default_rng(7), wobble=0.03, slant_max=0.0, turn_max=0.0)
    assert len(shaky) == 2 and len(shaky[0]) > 50  # densified along the stroke
    xs = np.array([x for x, _ in shaky[0]])
    assert np.abs(xs - 0.5).max() <= 0.03 and np.abs(xs - 0.5).max() > 0.001  # wobbles, within bounds
    again = unsteady(strokes, np.random.default_rng(7), wobble=0.03, slant_max=0.0, turn_max=0.0)
    assert shaky == again  # seeded: the same drawings every run


def test_the_page_run_serves_the_model_under_test_in_place_of_the_sites(tmp_path):
    import urllib.request

    from bench.drawn_page import serve_with_model

    site = tmp_path / "site"
    (site / "model").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>x</title>")
    (site / "model" / "pretrained.npz").write_bytes(b"the site's model")
    model = tmp_path / "candidate.npz"
    model.write_bytes(b"the model under test")
    with serve_with_model(site, model) as served:
        with urllib.request.urlopen(served.base_url + "model/pretrained.npz") as response:
            assert response.read() == b"the model under test"
        with urllib.request.urlopen(served.base_url) as response:
            assert b"<title>x</title>" in response.read()


def test_typeface_halves_part_the_pinned_faces():
    from bench.fonts import split_fonts
    from buildlib.pins import HANDWRITING_FONTS

    tune, report = split_fonts("tune"), split_fonts("report")
    assert not {p["name"] for p in tune} & {p["name"] for p in report}
    assert sorted(p["name"] for p in tune + report) == sorted(p["name"] for p in HANDWRITING_FONTS)
    assert abs(len(tune) - len(report)) <= 1
    with pytest.raises(ValueError, match="tune"):
        split_fonts("all")


def test_mnist_counted_like_uci_keeps_or_sets_the_width():
    image = np.zeros((28, 28))
    image[4:24, 12:16] = 1.0  # a plain 1: 20 high, 4 wide
    own = drawn.counted_like_uci(image, None)
    wide = drawn.counted_like_uci(image, 24.0)
    assert own.shape == wide.shape == (8, 8) and own.max() <= 1.0
    assert drawn.ink_widths(own[None])[0] <= 2  # 32 * 4 / 20 = 6.4 pixels: one or two blocks
    assert drawn.ink_widths(wide[None])[0] == 6  # 24 pixels: six blocks
    assert (own.sum(axis=1) > 0).all() and (wide.sum(axis=1) > 0).all()  # the height fills all eight rows


def test_the_pads_path_goes_through_every_sample_and_the_old_one_cut_corners():
    from bench.pad_path import midpoint_quadratics, samples
    from bench.tune_handwriting import smooth

    vee = samples([(0.3, 0.3), (0.5, 0.7), (0.7, 0.3)], spacing=20.0, phase=0.0)
    assert len(vee) == 1 + math.ceil(2 * math.hypot(0.2, 0.4) * 280 / 20)  # its two ends and a sample every 20 px
    corner = np.array([[84.0, 84.0], [140.0, 196.0], [196.0, 84.0]])  # the V's three samples on a 280 px pad
    through = np.hypot(*(smooth(corner) - corner[1]).T).min()
    cut = np.hypot(*(midpoint_quadratics(corner) - corner[1]).T).min()
    assert through < 1e-9 and cut > 0.035 * 280, "the old path missed the point by more than the pen's half width"


def test_the_teach_benchmark_names_each_held_out_drawing_it_reads():
    from bench.teach import shape_names, drawings as teach_drawings
    styles = ("1 flag", "6 hooked top")
    items = [item for found in teach_drawings("blind", styles).values() for item in found]
    names = shape_names("blind", styles)
    assert len(names) == len(items) == len(set(names)) == 2 * 4 * len(PLACEMENTS)
    assert [name[0] for name in names] == [str(label) for label, _ in items]
    assert names[0] == "1 flag (blind p1), large, centred" and names[4] == "1 flag (blind p1), small, centred"


def test_the_uci_levers_temperature_sweep_starts_at_the_models_own_answers():
    from bench import uci_levers
    from mlp_core.model import Model
    from mlp_core.nn import Sequential

    model = Model(Sequential.mlp([784, 16, 10], "he", np.random.default_rng(0), "float32"))
    model.metadata["temperature"] = 0.5
    x = np.random.default_rng(1).random((300, 784), dtype=np.float32)
    y = model.predict_proba(x).argmax(1)
    y[::3] = (y[::3] + 1) % 10  # a third of them wrong
    rows = uci_levers.temperature_sweep(model, {"toy": (x, y)})
    assert [row["scale"] for row in rows] == list(uci_levers.TEMPERATURE_SCALES) and rows[0]["scale"] == 1.0
    shown = drawn.summarise(*drawn.model_answers(model, x)[:2], y)
    assert rows[0]["toy"] == (pytest.approx(shown["ece"]), shown["wrong_confident"])
    confident = [row["toy"][1] for row in rows]
    assert confident == sorted(confident)  # a sharper temperature never shows fewer wrong answers at >= 90%
