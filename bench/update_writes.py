"""Writes of a second ``up``: what an update costs, split by method, next to the ideal.

Run: ``python bench/update_writes.py``. Measured in one run against the local cloud through the
real SDK, on ``blueprints/rule-type-1.yaml`` (an environment that creates its resource group):

(a) ``up --ttl 4h`` again, a little later: the ideal is no PUT (the expiry, on the group, may
    move later by the seconds that passed: one tag PATCH);
(b) ``up`` after adding one probe to the load balancer: the ideal is that load balancer's PUT,
    plus one tag PATCH of the blueprint digest on the group;
(c) ``up`` after changing one VM's size: that VM's PUT, plus the digest PATCH.

Before the per-resource update work (every resource carried the digest and the expiry, and
every change was a PUT of the whole body) (a) rewrote all nine resources and (b) and (c) all
nine too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provisioner.apply.lifecycle import load_and_validate  # noqa: E402
from provisioner.apply.up import bring_up  # noqa: E402
from provisioner.arm.target import open_target  # noqa: E402
from provisioner.localcloud import LocalCloud  # noqa: E402

BLUEPRINT = ROOT / "blueprints" / "rule-type-1.yaml"
WRITES = ("PUT", "PATCH", "DELETE")
IDEAL = {
    "(a) same --ttl again": {"PUT": 0, "PATCH": 1, "DELETE": 0},
    "(b) one probe added": {"PUT": 1, "PATCH": 1, "DELETE": 0},
    "(c) one VM resized": {"PUT": 1, "PATCH": 1, "DELETE": 0},
}


def _variant(tmp: Path, name: str, old: str, new: str, base: Path = BLUEPRINT) -> Path:
    text = base.read_text()
    assert old in text, old
    path = tmp / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _writes(cloud: LocalCloud) -> Counter[str]:
    return Counter(r.method.upper() for r in cloud.request_log() if r.method.upper() in WRITES)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        probe = _variant(
            tmp, "probe", "probes:", "probes:\n      extra: {protocol: tcp, port: 8081}"
        )
        resize = _variant(  # on top of (b): only the size differs from what is deployed
            tmp,
            "resize",
            "vm1: {subnet: backend}",
            "vm1: {subnet: backend, size: Standard_B2s}",
            base=probe,
        )
        cloud = LocalCloud(state_path=tmp / "cloud.sqlite")
        cloud.set_time_scale(0)
        target = open_target("local", local_cloud=cloud)
        try:
            bring_up(target, load_and_validate(BLUEPRINT), "bench", ttl="4h")
            first = len([r for r in cloud.request_log() if r.method.upper() in WRITES])
            steps = [
                ("(a) same --ttl again", BLUEPRINT, "4h"),
                ("(b) one probe added", probe, None),
                ("(c) one VM resized", resize, None),
            ]
            print(f"first up: {first} writes")
            print(f"{'step':24} {'PUT':>5} {'PATCH':>6} {'DELETE':>7}   ideal (PUT/PATCH/DELETE)")
            for name, path, ttl in steps:
                time.sleep(1.1)  # a second later, as a CI re-run would be
                cloud.clear_request_log()
                report = bring_up(target, load_and_validate(path), "bench", ttl=ttl)
                assert report.ok, report.failure
                got = _writes(cloud)
                ideal = IDEAL[name]
                mark = "" if all(got[m] <= ideal[m] for m in WRITES) else "   ← above the ideal"
                print(
                    f"{name:24} {got['PUT']:>5} {got['PATCH']:>6} {got['DELETE']:>7}   "
                    f"{ideal['PUT']}/{ideal['PATCH']}/{ideal['DELETE']}{mark}"
                )
        finally:
            target.close()
            cloud.close()


if __name__ == "__main__":
    main()
