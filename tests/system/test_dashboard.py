"""config/grafana/lapord.json against the running daemon: the JSON loads, every panel has a
title, the question it answers and a place on the 24-column grid, and every metric name its
queries use is one lapord exports (a scrape of the real lapord after some traffic), with the
labels the queries group by. Also the alert rules' metric names (config/prometheus).
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapord_harness import SOURCE_DIR, run_tests, wait_until  # noqa: E402
from test_e2e import Lapord, SmscSim, StoreSim, write_config, write_script  # noqa: E402
from test_metrics import admin_port, scrape  # noqa: E402

DASHBOARD = os.path.join(SOURCE_DIR, "config", "grafana", "lapord.json")
RULES = os.path.join(SOURCE_DIR, "config", "prometheus", "lapord-rules.yml")
METRIC = re.compile(r"\blapord_[a-zA-Z0-9_]+")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
SUFFIX = re.compile(r"_(bucket|sum|count)$")


def panels(dashboard):
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])


def queries(dashboard):
    for p in panels(dashboard):
        for t in p.get("targets", []):
            yield p["title"], t["expr"]


def family_of(name, families):
    if name in families:
        return name
    base = SUFFIX.sub("", name)
    if base in families and families[base]["type"] == "histogram":
        return base
    return None


def labels_seen(family):
    seen = set()
    for _, labels, _ in family["samples"]:
        seen |= set(labels)
    return seen


def test_dashboard_loads_and_is_laid_out():
    with open(DASHBOARD, encoding="utf-8") as f:
        d = json.load(f)
    assert d["uid"] == "lapord" and d["title"] == "lapord"
    ids = [p["id"] for p in panels(d)]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    variables = {v["name"] for v in d["templating"]["list"]}
    assert {"datasource", "instance"} <= variables, variables
    graphs = [p for p in panels(d) if p["type"] != "row"]
    assert len(graphs) >= 10
    for p in graphs:
        assert p["title"] and p.get("description", "").endswith("?"), \
            f"{p['title']}: its description is the question it answers"
        assert p["targets"], p["title"]
        assert p["datasource"]["uid"] == "${datasource}", p["title"]
        g = p["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24, (p["title"], g)
        for t in p["targets"]:
            assert '$instance' in t["expr"], f"{p['title']}: {t['expr']} ignores the instance"
    # The panels, by the metric each must show.
    used = {m for _, e in queries(d) for m in METRIC.findall(e)}
    for needed in ("lapord_carrier_bind_up", "lapord_mo_received_total",
                   "lapord_complaints_created_total", "lapord_replies_sent_total",
                   "lapord_replies_delivered_total", "lapord_replies_failed_total",
                   "lapord_outbox_depth", "lapord_outbox_forwarded_total",
                   "lapord_store_commit_seconds_bucket", "lapord_ussd_dialogues_open"):
        assert needed in used, needed


def test_every_query_uses_metrics_lapord_exports():
    work = tempfile.mkdtemp(prefix="lapord-dashboard-")
    store = StoreSim(workdir=work)
    script = [{"dialogue": "c", "source": "6281310000001", "destination": "1708",
               "text": "LAPOR TANGKAB jalan rusak di Desa Suka Maju sudah 3 bulan",
               "label": "c"}]
    sim = SmscSim("--receipts", "--script", write_script(work, script), workdir=work)
    lapord = Lapord(write_config(work, sim.port, store.url), work)
    try:
        port = admin_port(lapord)
        wait_until(lambda: len(store.taken()) == 1, 30, "the complaint forwarded")
        families = wait_until(
            lambda: (lambda f: f if f["lapord_replies_sent_total"]["samples"] and
                     f["lapord_outbox_forwarded_total"]["samples"][0][2] == 1 else None)(
                         scrape(port)), 20, "the reply and the forward counted")
        with open(DASHBOARD, encoding="utf-8") as f:
            d = json.load(f)
        with open(RULES, encoding="utf-8") as f:
            rules = f.read()
        checked = 0
        for where, expr in list(queries(d)) + [("rules", rules)]:
            names = METRIC.findall(expr)
            assert names or where == "rules", f"{where}: no lapord metric in {expr}"
            for name in names:
                fam = family_of(name, families)
                assert fam, f"{where}: {name} is not exported by lapord"
                checked += 1
            if where == "rules":
                continue
            # Labels grouped by must be labels of the metric (le of a histogram's buckets).
            seen = set()
            for name in names:
                fam = families[family_of(name, families)]
                seen |= labels_seen(fam) | ({"le"} if fam["type"] == "histogram" else set())
            for group in GROUPING.findall(expr):
                for label in filter(None, (x.strip() for x in group.split(","))):
                    if seen:
                        assert label in seen | {"instance", "job"}, \
                            f"{where}: groups by {label}, not a label of {names}"
        assert checked >= 20, checked
    finally:
        lapord.stop()
        sim.stop()
        store.stop()


if __name__ == "__main__":
    run_tests([test_dashboard_loads_and_is_laid_out, test_every_query_uses_metrics_lapord_exports])
