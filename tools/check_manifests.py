"""Check deploy/k8s without a cluster: every YAML file parses (yaml.safe_load_all), every document
names its apiVersion and kind, every kustomization's resources exist, and, when kubectl is installed,
every kustomization builds (`kubectl kustomize`, offline).

    python tools/check_manifests.py [DIR]     # default: deploy/k8s; part of `make lint`
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def check_file(path: Path) -> list[str]:
    problems: list[str] = []
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as exc:
        return [f"{path}: not valid YAML: {exc}"]
    for index, document in enumerate(documents):
        where = f"{path} (document {index + 1})"
        if not isinstance(document, dict):
            problems.append(f"{where}: expected a mapping, got {type(document).__name__}")
            continue
        for field in ("apiVersion", "kind"):
            if not document.get(field):
                problems.append(f"{where}: no {field}")
        if document.get("kind") == "Kustomization":
            problems += check_kustomization(path, document)
        elif "metadata" not in document or not document["metadata"].get("name"):
            problems.append(f"{where}: no metadata.name")
    return problems


def check_kustomization(path: Path, document: dict[str, Any]) -> list[str]:
    listed = [*document.get("resources", []), *document.get("components", [])]
    listed += [
        p["path"] for p in document.get("patches", []) if isinstance(p, dict) and "path" in p
    ]
    return [
        f"{path}: {entry} does not exist"
        for entry in listed
        if "://" not in entry and not (path.parent / entry).exists()
    ]


def build(kustomization_dir: Path) -> list[str]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return []
    done = subprocess.run(
        [kubectl, "kustomize", str(kustomization_dir)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return [f"{kustomization_dir}: kubectl kustomize failed: {done.stderr.strip()}"]
    return check_built(kustomization_dir, done.stdout)


def check_built(kustomization_dir: Path, text: str) -> list[str]:
    """Every Deployment has probes and resource requests on its containers."""
    problems: list[str] = []
    for document in yaml.safe_load_all(text):
        if not isinstance(document, dict) or document.get("kind") != "Deployment":
            continue
        name = document["metadata"]["name"]
        for container in document["spec"]["template"]["spec"]["containers"]:
            for needed in ("readinessProbe", "livenessProbe"):
                if needed not in container:
                    problems.append(f"{kustomization_dir}: {name}/{container['name']} no {needed}")
            if not container.get("resources", {}).get("requests"):
                problems.append(f"{kustomization_dir}: {name}/{container['name']} no requests")
    return problems


def main(argv: list[str]) -> int:
    base = Path(argv[0]) if argv else ROOT / "deploy" / "k8s"
    files = sorted([*base.rglob("*.yaml"), *base.rglob("*.yml")])
    if not files:
        print(f"no YAML files under {base}")
        return 1
    problems: list[str] = []
    for path in files:
        problems += check_file(path)
    built = 0
    if not problems:
        for path in files:
            if path.name == "kustomization.yaml":
                problems += build(path.parent)
                built += 1
    for problem in problems:
        print(problem)
    if problems:
        return 1
    how = f", {built} kustomizations built" if shutil.which("kubectl") else ""
    print(f"deploy manifests: {len(files)} YAML files parse{how}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
