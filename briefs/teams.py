"""A team's view of a briefing: only the product scopes it subscribed to, at or above its priority.

``for_team(briefing, team)`` returns a new Briefing (the original is untouched) with what the team does
not want removed and a ``TeamFilter`` saying what was removed and how much, which every format renders.
Nothing disappears without being counted, and what cannot be judged stays:

* A document stays when its product scope meets the team's; a document with no scope (a failed
  extraction, an unclassified page) stays, because it may matter and its warning must be seen.
* Inside a kept document, a requirement goes when its own scope misses the team's or its priority is
  below the team's minimum.
* Below the minimum priority, a document also goes when its relevance is below it and no requirement
  of it is left.
* Actions follow the same scope and priority rules; themes and campaigns lose links to removed
  documents and go when none is left. Warnings about removed documents go with them, and so do the
  history sections' changes and campaign links naming them.
* Upcoming deadlines (of earlier weeks) follow the requirement rules, by the scope and priority of
  what stated them: a deadline stays when the requirement shown with it, or another requirement
  stating it, is for the team (then shown in that one's words); one whose scope is unknown (stored
  before deadlines kept one) stays. A date of a document's own list that no requirement states has
  the document's relevance as its priority: below the minimum it goes, as the document would with no
  requirement left. ``statement_for`` is the rule, which `briefs deadlines --team` applies too.
* The headline and executive summary were written over the whole week and are free text: they stay,
  and the TeamFilter tells the reader so by its presence.

Scope matching: "all" on either side matches everything, and a subscription to "drugs" includes
"vaccines" and "tcm" (both are drugs under Chinese drug law); otherwise scopes must share a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar, cast

from briefs.models import (
    Briefing,
    BriefingAction,
    BriefingCampaign,
    BriefingDocument,
    BriefingRequirement,
    BriefingTheme,
    CampaignChange,
    DeadlineStatement,
    History,
    Priority,
    ProductScope,
    Relevance,
    SourceLink,
    TeamFilter,
    UpcomingDeadline,
)
from briefs.settings import Team

_RANK: dict[str, int] = {"none": 0, "low": 1, "medium": 2, "high": 3}
_INCLUDES: dict[str, set[str]] = {"drugs": {"drugs", "vaccines", "tcm"}}


def has_filter(team: Team) -> bool:
    scoped = bool(team.product_scope) and "all" not in team.product_scope
    return scoped or team.min_priority != "low"


def scope_matches(item_scope: list[ProductScope], team_scope: list[ProductScope]) -> bool:
    if not team_scope or "all" in team_scope or not item_scope or "all" in item_scope:
        return True
    wanted = set().union(*(_INCLUDES.get(scope, {scope}) for scope in team_scope))
    return bool(wanted & set(item_scope))


def priority_at_least(value: Priority | Relevance | None, minimum: Priority) -> bool:
    # "low" is the floor of the scale and means "no priority filter": it keeps relevance "none" too.
    return minimum == "low" or value is None or _RANK[value] >= _RANK[minimum]


def for_team(briefing: Briefing, team: Team) -> Briefing:
    """The team's briefing: filtered (when the team has a filter) and in the team's language."""
    if not has_filter(team):
        return briefing.model_copy(update={"language": team.language})
    kept_documents: list[BriefingDocument] = []
    requirements_removed = 0
    for document in briefing.documents:
        if not scope_matches(document.product_scope, team.product_scope):
            requirements_removed += len(document.requirements)
            continue
        requirements = [r for r in document.requirements if _requirement_wanted(r, team)]
        requirements_removed += len(document.requirements) - len(requirements)
        if not requirements and not priority_at_least(document.relevance, team.min_priority):
            continue
        kept_documents.append(document.model_copy(update={"requirements": requirements}))

    kept_refs = {document.ref for document in kept_documents}
    actions = [a for a in briefing.actions if _action_wanted(a, team, kept_refs)]
    history = _history_of_kept(briefing.history, briefing.period.label, kept_refs, team)
    return briefing.model_copy(
        update={
            "language": team.language,
            "documents": kept_documents,
            "actions": [_with_sources(a, kept_refs) for a in actions],
            "themes": _linked(briefing.themes, kept_refs),
            "campaigns": _linked(briefing.campaigns, kept_refs),
            "warnings": [w for w in briefing.warnings if _about_kept(w.document, briefing, kept_refs)],
            "history": history,
            "team_filter": TeamFilter(
                team=team.name,
                product_scope=team.product_scope,
                min_priority=team.min_priority,
                documents_removed=len(briefing.documents) - len(kept_documents),
                requirements_removed=requirements_removed,
                actions_removed=len(briefing.actions) - len(actions),
                deadlines_removed=_count(briefing.history) - _count(history),
            ),
        }
    )


def _requirement_wanted(item: BriefingRequirement, team: Team) -> bool:
    requirement = item.requirement
    return scope_matches(requirement.product_scope, team.product_scope) and priority_at_least(
        requirement.priority, team.min_priority
    )


def _action_wanted(action: BriefingAction, team: Team, kept_refs: set[str]) -> bool:
    if not scope_matches(action.product_scope, team.product_scope):
        return False
    if not priority_at_least(action.priority, team.min_priority):
        return False
    # An action drawn only from removed documents belongs to what the team did not subscribe to.
    return not action.sources or any(source.ref in kept_refs for source in action.sources)


def _with_sources(action: BriefingAction, kept_refs: set[str]) -> BriefingAction:
    return action.model_copy(update={"sources": _kept_links(action.sources, kept_refs)})


_Linked = TypeVar("_Linked", BriefingTheme, BriefingCampaign, CampaignChange)


def _linked(items: list[_Linked], kept_refs: set[str]) -> list[_Linked]:
    kept = []
    for item in items:
        links = _kept_links(item.sources, kept_refs)
        if links or not item.sources:
            kept.append(item.model_copy(update={"sources": links}))
    return kept


class Statement(Protocol):
    """Who a deadline's statement is for: an UpcomingDeadline, a DeadlineStatement, or a stored copy of
    one (briefs.history.StoredDeadline, which the `deadlines` command filters)."""

    @property
    def product_scope(self) -> Sequence[str]: ...

    @property
    def priority(self) -> str | None: ...


_Statement = TypeVar("_Statement", bound=Statement)


def statement_for(statements: Sequence[_Statement], team: Team) -> _Statement | None:
    """The first of a deadline's statements that is for the team (None: the deadline is not), by the
    requirement rules: its scope meets the team's, its priority (a requirement's, else the relevance of
    the document whose date list states it) is at or above the team's minimum; unknown ones are kept."""
    return next((s for s in statements if _wanted(s, team)), None)


def _wanted(statement: Statement, team: Team) -> bool:
    scope = cast(list[ProductScope], list(statement.product_scope))
    return scope_matches(scope, team.product_scope) and priority_at_least(
        cast(Relevance | None, statement.priority), team.min_priority
    )


def _deadlines_for(deadlines: list[UpcomingDeadline], team: Team) -> list[UpcomingDeadline]:
    """The deadlines some statement of which is for the team, each in the words of the first such one
    (the deadline's own, else another requirement's stating it for the team's products)."""
    kept = []
    for deadline in deadlines:
        statements: list[UpcomingDeadline | DeadlineStatement] = [deadline, *deadline.also_stated]
        wanted = [s for s in statements if _wanted(s, team)]
        if not wanted:
            continue
        first, rest = wanted[0], wanted[1:]
        words = {} if first is deadline else first.model_dump()
        kept.append(deadline.model_copy(update={**words, "also_stated": rest}))
    return kept


def _count(history: History | None) -> int:
    return len(history.deadlines) if history else 0


def _history_of_kept(history: History | None, week: str, kept_refs: set[str], team: Team) -> History | None:
    """The history sections without this week's documents the team does not receive: a document's
    change goes with it, a change naming a removed document of this week as the earlier one names it
    by title only (its ref would point at nothing in this briefing), and a campaign loses its links to
    them (and goes when none is left, as the campaigns to watch do). A campaign no longer mentioned
    names no document of this week: it stays. The earlier weeks' deadlines follow the requirement
    rules, by the scope and priority of what stated them (an unknown one stays)."""
    if history is None:
        return None
    changes = []
    for change in history.documents:
        if change.ref not in kept_refs:
            continue
        earlier = change.earlier
        if earlier.week == week and earlier.ref not in kept_refs:
            change = change.model_copy(update={"earlier": earlier.model_copy(update={"ref": ""})})
        changes.append(change)
    return history.model_copy(
        update={
            "documents": changes,
            "campaigns": _linked(history.campaigns, kept_refs),
            "deadlines": _deadlines_for(history.deadlines, team),
        }
    )


def _kept_links(links: list[SourceLink], kept_refs: set[str]) -> list[SourceLink]:
    return [link for link in links if link.ref in kept_refs]


def _about_kept(document: str | None, briefing: Briefing, kept_refs: set[str]) -> bool:
    """A warning stays unless it names a document the team does not receive."""
    if document is None:
        return True
    removed = {d.ref for d in briefing.documents} - kept_refs
    removed |= {d.path for d in briefing.documents if d.ref in removed}
    return document not in removed
