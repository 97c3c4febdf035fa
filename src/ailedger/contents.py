"""What the current release holds, as a Markdown table for the README and the dataset card.

Generated from the packaged data (manifest row counts and source records) so the
README never states counts that the data does not have.
"""

from __future__ import annotations


def release_table_markdown() -> str:
    """Tables with their row counts, then the sources with publisher, date and language."""
    import ailedger
    from ailedger import loader

    rows = loader.manifest()["tables"]
    names = {org.id: org.name for org in ailedger.load("organizations")}
    out = [
        f"Dataset {ailedger.DATASET_VERSION}, schema {ailedger.SCHEMA_VERSION}.",
        "",
        "| Table | Rows | File |",
        "|---|---:|---|",
        *(f"| {t} | {rows[t]['rows']} | `{rows[t]['file']}` |" for t in ailedger.tables()),
        "",
        "| Source | Publisher | Published | Language | Title |",
        "|---|---|---|---|---|",
    ]
    for src in ailedger.load("sources"):
        title = (src.title or "(no title)").replace("|", "\\|")
        link = f"[{title}]({src.url})" if src.url else title
        out.append(f"| `{src.id}` | {names.get(src.publisher, src.publisher)} | {src.published} | {src.language} | {link} |")
    return "\n".join(out) + "\n"
