"""Rules that keep claims apart from facts (issue 14).

A fact only the company says, a verified claim with no independent source, a
claim given to the outlet that relayed it. The phrases are read by
:mod:`ailedger.validate.claims`; CONTRIBUTING's "Who makes a claim" is the policy.
"""

from __future__ import annotations

from collections.abc import Iterator

from ailedger.schema import LATEST
from ailedger.validate.context import Context
from ailedger.validate.diagnostics import Diagnostic, escape
from ailedger.validate.quote_rules import Support, cited_fields, field_values, finder, labels
from ailedger.validate.record import ParsedRecord

_NAMING = frozenset({"name", "aliases"}) | {name for _, name in LATEST.REFERENCES} - {"runs_on"}


def _self_parties(ctx: Context, rec: ParsedRecord) -> set[str]:
    """Folded names under which a quote's attribution is the record's own developer or subject speaking."""
    from ailedger.validate import stated

    ids = {rec.record.id}
    for name in ("organization_id", "subject_id", "organization_ids", "subject_ids"):
        # a field of the model or not: hasattr would ask pydantic, which raises and catches for each absent one
        ids |= {t for _, t in field_values(rec.record, name)} if name in type(rec.record).model_fields else set()
    for rid in list(ids):
        model = ctx.record(rid, "models")
        if model is not None and model.organization_id:
            ids.add(model.organization_id)
    return {stated.fold(label) for rid in ids for label in labels(ctx.by_id.get(rid))}


def attributed(ctx: Context) -> Iterator[Diagnostic]:
    """Claims apart from facts.

    A fact only the company says, a verified claim with no independent source, a claim given to its messenger.
    """
    from ailedger.validate import claims, stated

    # an organization's kind or city is not what a company claims; claims are claims
    in_source = finder(ctx)
    for rec in ctx.valid("models", "events", "metrics"):
        if not getattr(rec.record, "derived_from", None) and not any(
            claims.attributions(c.quote) for c in rec.record.citations
        ):
            continue  # no quote of the record reports anyone's words, so no field rests on them alone
        support = Support(ctx, rec.record, in_source)
        selves: set[str] | None = None
        for name in cited_fields(rec.record):
            if name in _NAMING or (rec.table, name) == ("models", "kind"):
                continue
            said = []
            for q in support.quotes(name):
                found = claims.attributions(q)
                if found and selves is None:
                    selves = _self_parties(ctx, rec)
                own = [
                    a
                    for a in found
                    if a.party in (claims.SELF, None) or (selves is not None and stated.fold(a.party) in selves)
                ]
                if not own:
                    break
                said.append(own[0])
            else:
                if said:
                    who = (
                        said[0].party
                        if said[0].party not in (claims.SELF, None)
                        else "the company"
                        if said[0].party
                        else "someone unnamed"
                    )
                    yield ctx.diag(
                        rec,
                        (name,),
                        "claim.attributed-fact",
                        f'backed only by a quote that reports it as what {who} says ("{escape(said[0].text)}"); record '
                        "the statement in claims/ with asserted_by, or cite a source that states it as fact",
                        "warning",
                    )
    for rec in ctx.valid("claims"):
        c = rec.record
        outlets: dict[str, str] = {}
        for cite in c.citations:
            if cite.via:
                outlets.setdefault(cite.via, "relays it (the citation's via)")
            publisher = _publisher(ctx, cite.source_id)
            if publisher is not None:
                outlets.setdefault(publisher, f"published {cite.source_id}")
        if c.asserted_by in outlets:
            yield ctx.diag(
                rec,
                ("asserted_by",),
                "claim.asserted-by-outlet",
                f"{c.asserted_by} {outlets[c.asserted_by]}, it does not make the claim; set asserted_by to who "
                "the quote says makes it, and keep the outlet in via",
            )
        else:
            asserter = ctx.by_id.get(c.asserted_by)
            if (
                asserter is not None
                and asserter.record is not None
                and asserter.table == "organizations"
                and asserter.record.kind in ("news_outlet", "news_agency")
            ):
                for cite in c.citations:
                    own = [a for a in claims.attributions(cite.quote) if a.party == claims.SELF]
                    if own:
                        yield ctx.diag(
                            rec,
                            ("asserted_by",),
                            "claim.asserted-by-outlet",
                            f"{c.asserted_by} is a {asserter.record.kind.replace('_', ' ')}, "
                            f'but the quote gives the statement to the company ("{escape(own[0].text)}"); '
                            f"set asserted_by to the company and via: {c.asserted_by} "
                            '(see CONTRIBUTING, "Who makes a claim")',
                        )
                        break
        if c.verified:
            asserter_names = {stated.fold(label) for label in labels(ctx.by_id.get(c.asserted_by))}
            reporting = {c.asserted_by} | {cite.via for cite in c.citations if cite.via}
            reporting |= {
                p
                for cite in c.citations
                if set(cite.supports) - {"verified"} and (p := _publisher(ctx, cite.source_id))
            }
            independent = any(
                "verified" in cite.supports
                and (
                    claims.confirms(cite.quote)
                    is not None  # the outlet reports an independent confirmation in so many words
                    or (
                        _publisher(ctx, cite.source_id) not in reporting
                        and cite.via not in reporting
                        and not [
                            a
                            for a in claims.attributions(cite.quote)
                            if a.party in (claims.SELF, None) or stated.fold(a.party) in asserter_names
                        ]
                    )
                )
                for cite in c.citations
            )
            if not independent:
                yield ctx.diag(
                    rec,
                    ("verified",),
                    "claim.verified-unconfirmed",
                    "true needs a citation that supports verified from a source other than "
                    f"{', '.join(sorted(reporting))} "
                    "(the claimant and who reported it), or a quote that says an independent party confirmed it; "
                    "cite that, or set verified: false",
                )


def _publisher(ctx: Context, source_id: str) -> str | None:
    source = ctx.source(source_id)
    return source.publisher if source is not None else None
