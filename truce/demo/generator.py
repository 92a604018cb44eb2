"""Lead journeys as raw rows: contacts, companies, leads, stage visits, touches and events.

Pure generation, no database: each chunk of leads gets its own random stream (seed, chunk
number), so the same seed gives the same records whatever else happens. Times are epoch
seconds; `TimeText` turns them into the database's text. The rates below are chosen so that
most leads stop at Lead or MQL, ~10-15 % reach SAL and a few % are won.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from truce.funnel.defaults import REASONS
from truce.ledger.bulk import TimeText

from .org import PRODUCT_LINES, Org
from .pools import COUNTRIES, INDUSTRIES, Pools

CHUNK = 10_000  # leads per chunk; part of the seed's meaning, so never derived from options

_H, _D = 3600, 86400


# After a lead reaches the stage on the left: chance it moves on, and days until it does.
SALES_PATH = [
    ("sal", "prospecting", 0.92, (1, 5)),
    ("prospecting", "connecting", 0.85, (2, 8)),
    ("connecting", "researching", 0.80, (3, 10)),
    ("researching", "presenting", 0.75, (4, 14)),
    ("presenting", "closing", 0.80, (4, 14)),
]
WIN_RATE, WIN_DAYS = 0.70, (5, 20)
MARKETING_TOUCH = {
    "paid_search": "ad_click",
    "paid_social": "ad_click",
    "email": "email_click",
    "webinar": "webinar",
    "events": "form_fill",
    "content": "content_download",
    "partner": "page_visit",
}
NURTURE_KINDS = ["email_open", "email_click", "page_visit", "content_download", "webinar"]
SALES_KINDS = [("call", "phone"), ("email", "email"), ("call", "phone"), ("meeting", "video")]
ORGANIC_SOURCES = ["organic", "referral", "direct"]
BASE_AMOUNT = {"Platform": 240, "Analytics": 120, "Services": 80}  # hundreds
COLLATERAL = {
    "content_download": "Industry white paper",
    "webinar": "Webinar",
    "demo": "Live demo",
    "meeting": "Case study",
}


@dataclass
class Ids:
    """The next free primary key of each table, and the lead count so far in this run."""

    lead: int
    contact: int
    company: int
    visit: int
    touch: int
    leads_done: int = 0


@dataclass
class Chunk:
    companies: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    leads: list[tuple[Any, ...]] = field(default_factory=list)
    visits: list[tuple[Any, ...]] = field(default_factory=list)
    touches: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)

    def size(self) -> int:
        return sum(len(rows) for rows in vars(self).values())


@dataclass
class World:
    """Everything a chunk needs that does not change from chunk to chunk."""

    seed: int
    total: int
    start: int
    end: int
    org: Org
    pools: Pools
    stages: dict[str, int]
    reasons: dict[tuple[str, str], int]
    times: TimeText
    company_ids: list[int] = field(default_factory=list)
    company_domains: list[str] = field(default_factory=list)
    company_countries: list[str] = field(default_factory=list)


def companies_chunk(world: World, ids: Ids, count: int, taken: set[str]) -> Chunk:
    """Accounts that exist before the window opens; domains are unique (`.example`, RFC 2606)."""
    rng = random.Random(f"{world.seed}:companies:{ids.company}")
    chunk, db, pools = Chunk(), world.times.db, world.pools
    for _ in range(count):
        name, stem, qname = rng.choice(pools.company_names)
        domain, n = f"{stem}.example", 1
        while domain in taken:
            n += 1
            domain = f"{stem}-{n}.example"
        taken.add(domain)
        cid, ids.company = ids.company, ids.company + 1
        industry = rng.choice(INDUSTRIES)
        employees = int(rng.lognormvariate(4.5, 1.4)) + 2
        country = rng.choice(COUNTRIES)
        at = world.start - rng.randrange(30 * _D, 720 * _D)
        chunk.companies.append(
            (cid, name, domain, industry, employees, country, db(at), db(at), None)
        )
        world.company_ids.append(cid)
        world.company_domains.append(domain)
        world.company_countries.append(country)
        payload = (
            f'{{"country":"{country}","domain":"{domain}","employees":{employees},'
            f'"industry":"{industry}","name":{qname}}}'
        )
        chunk.events.append(("company.created", at, None, "company", cid, None, payload, False))
    return chunk


class _Lead:
    """One journey being built: its rows and its events, in time order."""

    __slots__ = ("events", "id", "touches", "visits")

    def __init__(self, lead_id: int) -> None:
        self.id = lead_id
        self.events: list[tuple[int, int, tuple[Any, ...]]] = []
        self.visits: list[list[Any]] = []
        self.touches: list[tuple[Any, ...]] = []


class LeadMaker:
    def __init__(self, world: World, ids: Ids, chunk_no: int) -> None:
        self.w, self.ids = world, ids
        self.rng = random.Random(f"{world.seed}:leads:{chunk_no}")
        self.chunk = Chunk()
        self.recent_contacts: list[tuple[int, int | None]] = []
        self.now = world.end
        org = world.org
        self.reps = [r for r, w in zip(org.reps, (3, 3, 2, 2, 2), strict=False) for _ in range(w)]
        self.reason_keys = {kind: [k for k, _ in keys] for kind, keys in REASONS.items()}

    # --- events -------------------------------------------------------------------------
    def event(self, lead: _Lead, at: int, kind: str, actor: int | None, payload: str) -> None:
        lead.events.append((at, len(lead.events), (kind, actor, payload)))

    def move(self, lead: _Lead, at: int, to: str, actor: int | None) -> None:
        previous = lead.visits[-1]
        previous[2] = at
        lead.visits.append([at, self.w.stages[to], None, to])
        self.event(lead, at, "lead.stage_changed", actor, f'{{"from":"{previous[3]}","to":"{to}"}}')

    def touch(
        self, lead: _Lead, at: int, kind: str, channel: str, team: str, actor: Any, camp: Any
    ) -> None:
        collateral = COLLATERAL.get(kind, "") if self.rng.random() < 0.5 else ""
        lead.touches.append((at, kind, channel, team, collateral, actor, camp))

    # --- one journey --------------------------------------------------------------------
    def make(self, created: int) -> None:
        rng, w, ids = self.rng, self.w, self.ids
        lead = _Lead(ids.lead)
        ids.lead += 1
        campaign = None
        if rng.random() < 0.85:
            campaign = self.campaign_at(created)
        source = campaign.channel if campaign else rng.choice(ORGANIC_SOURCES)
        line = campaign.product_line if campaign else rng.choice(PRODUCT_LINES)
        marketer = campaign.owner_id if campaign else w.org.marketers[0]
        contact_id, company_id = self.contact(created)
        start_key = "subscriber" if rng.random() < 0.15 else "lead"
        lead.visits.append([created, w.stages[start_key], None, start_key])
        state: dict[str, Any] = {
            "owner": None, "amount": None, "outcome": "open", "reason": None, "at": None,
            "assigned": None, "disposition": ("", None, None),
        }  # fmt: skip
        handoff = self.marketing_journey(lead, created, start_key, marketer, state)
        fit = rng.randint(40, 100) if handoff else rng.randint(0, 70)
        engagement = rng.randint(30, 100) if handoff else rng.randint(0, 60)
        camp_id = campaign.id if campaign else None
        facts = f'{{"engagement_score":{engagement},"fit_score":{fit}}}'
        self.event(
            lead,
            created,
            "lead.created",
            marketer,
            f'{{"amount":null,"campaign_id":{camp_id if camp_id else "null"},'
            f'"company_id":{company_id or "null"},"contact_id":{contact_id},'
            f'"facts":{facts},"owner_id":null,'
            f'"product_line":"{line}","score":{(fit + engagement) // 2},'
            f'"source":"{source}","stage":"{start_key}"}}',
        )
        end = handoff or min(self.now - 60, created + 45 * _D)
        self.marketing_touches(lead, created, end, source, campaign)
        if handoff:
            self.sales_journey(lead, handoff, line, state)
        self.emit(lead, created, (source, fit, engagement, facts, line, camp_id, contact_id,
                                  company_id, state))  # fmt: skip

    def campaign_at(self, t: int) -> Any:
        live = [c for c in self.w.org.campaigns if c.starts <= t < c.ends]
        return self.rng.choice(live or self.w.org.campaigns)

    def marketing_journey(
        self, lead: _Lead, t: int, start_key: str, marketer: int | None, state: dict[str, Any]
    ) -> int | None:
        """Returns when the lead was handed to sales (entered MQL), or None."""
        rng = self.rng
        if start_key == "subscriber":
            if rng.random() >= 0.35:
                return None
            t += rng.randrange(1 * _D, 20 * _D)
            if t >= self.now:
                return None
            self.move(lead, t, "lead", None)
        if rng.random() >= 0.32:
            if rng.random() < 0.04:  # spam and fakes are found while nurturing
                self.close(lead, t + rng.randrange(_H, 5 * _D), "disqualified", marketer, state)
            return None
        t += rng.randrange(2 * _D, 25 * _D)
        if t >= self.now:
            return None
        self.move(lead, t, "mql", None)
        self.event(lead, t, "lead.qualified", None, '{"definition_version":null}')
        owner = rng.choice(self.reps)
        state["owner"], state["assigned"] = owner, t
        self.event(lead, t, "lead.assigned", None, f'{{"from":null,"to":{owner}}}')
        return t

    def sales_journey(self, lead: _Lead, t: int, line: str, state: dict[str, Any]) -> None:
        rng, owner = self.rng, state["owner"]
        first = t + rng.randrange(10 * 60, 8 * _H)
        if first < self.now:
            self.sales_touch(lead, first, owner)
        roll = rng.random()
        if roll >= 0.5:  # not accepted: rejected to nurture, disqualified or still waiting
            if roll < 0.85:
                outcome = "recycled" if roll < 0.72 else "disqualified"
                at = first + rng.randrange(_H, 3 * _D)
                self.close(lead, at, outcome, owner, state)
                if state["at"]:
                    why = rng.choice(self.reason_keys["rejected"])
                    state["disposition"] = ("rejected", self.w.reasons[("rejected", why)], at)
                    self.event(lead, at, "lead.rejected", owner, f'{{"by":{owner},"from":{owner},'
                               f'"note":"","reason":"{why}"}}')  # fmt: skip
            return
        t = first + rng.randrange(_H, 2 * _D)
        if t >= self.now:
            return
        self.move(lead, t, "sal", owner)
        state["disposition"] = ("accepted", None, t)
        self.event(lead, t, "lead.accepted", owner, f'{{"by":{owner},"stage":"sal"}}')
        for _here, there, rate, (low, high) in SALES_PATH:
            step = t + rng.randrange(low * _D, high * _D)
            if rng.random() >= rate:
                self.lose(lead, t, step, owner, state)
                return
            if step >= self.now:
                return
            self.sales_touches(lead, t, step, owner)
            if there == "presenting":
                self.estimate(lead, step - _H, line, owner, state)
            self.move(lead, step, there, owner)
            t = step
        step = t + rng.randrange(WIN_DAYS[0] * _D, WIN_DAYS[1] * _D)
        if rng.random() >= WIN_RATE:
            self.lose(lead, t, step, owner, state)
            return
        if step < self.now:
            self.sales_touches(lead, t, step, owner)
            self.win(lead, step, owner, state)

    def sales_touch(self, lead: _Lead, at: int, owner: int) -> None:
        kind, channel = self.rng.choice(SALES_KINDS)
        self.touch(lead, at, kind, channel, "sales", owner, None)

    def sales_touches(self, lead: _Lead, t: int, until: int, owner: int) -> None:
        for _ in range(self.rng.randrange(0, 3)):
            self.sales_touch(lead, self.rng.randrange(t, until), owner)

    def estimate(self, lead: _Lead, at: int, line: str, owner: int, state: dict[str, Any]) -> None:
        amount = f"{int(BASE_AMOUNT[line] * self.rng.lognormvariate(0, 0.5)) * 100 + 100}.00"
        state["amount"] = amount
        self.event(lead, at, "lead.updated", owner, f'{{"changes":{{"amount":[null,"{amount}"]}}}}')

    def lose(self, lead: _Lead, t: int, at: int, owner: int, state: dict[str, Any]) -> None:
        if at >= self.now:
            return
        self.sales_touches(lead, t, at, owner)
        roll = self.rng.random()
        if roll < 0.10:  # the deal simply stalls, still open
            return
        outcome = "lost" if roll < 0.80 else "recycled" if roll < 0.93 else "disqualified"
        self.close(lead, at, outcome, owner, state)

    def close(
        self, lead: _Lead, at: int, outcome: str, actor: int | None, state: dict[str, Any]
    ) -> None:
        if at >= self.now:
            return
        reason = self.rng.choice(self.reason_keys[outcome])
        stage = lead.visits[-1][3]
        state.update(outcome=outcome, reason=(outcome, reason), at=at)
        self.event(
            lead,
            at,
            "lead.outcome_set",
            actor,
            f'{{"outcome":"{outcome}","reason":"{reason}","stage":"{stage}"}}',
        )

    def win(self, lead: _Lead, at: int, owner: int, state: dict[str, Any]) -> None:
        estimate = int(state["amount"].split(".")[0])
        amount = f"{max(100, estimate * self.rng.randrange(80, 111) // 10000 * 100)}.00"
        stage = lead.visits[-1][3]
        state.update(outcome="won", amount=amount, at=at)
        lead.visits[-1][2] = at
        lead.visits.append([at, self.w.stages["customer"], None, "customer"])
        self.event(
            lead,
            at,
            "lead.outcome_set",
            owner,
            f'{{"amount":"{amount}","outcome":"won","stage":"{stage}","won_stage":"customer"}}',
        )

    def marketing_touches(
        self, lead: _Lead, created: int, end: int, source: str, campaign: Any
    ) -> None:
        rng = self.rng
        kind = MARKETING_TOUCH.get(source, "form_fill")
        camp = campaign.id if campaign else None
        self.touch(lead, created, "form_fill" if rng.random() < 0.6 else kind, source, "marketing",
                   None, camp)  # fmt: skip
        if end <= created:
            return
        for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 2))):
            self.touch(lead, rng.randrange(created, end), rng.choice(NURTURE_KINDS), source,
                       "marketing", None, camp)  # fmt: skip

    # --- people -------------------------------------------------------------------------
    def contact(self, created: int) -> tuple[int, int | None]:
        rng, w, ids = self.rng, self.w, self.ids
        if self.recent_contacts and rng.random() < 0.03:  # repeat business: a new lead
            return rng.choice(self.recent_contacts)
        first, first_mail, qfirst = rng.choice(w.pools.first_names)
        last, last_mail, qlast = rng.choice(w.pools.last_names)
        title, qtitle = rng.choice(w.pools.titles)
        cid, ids.contact = ids.contact, ids.contact + 1
        if w.company_ids and rng.random() < 0.9:
            k = rng.randrange(len(w.company_ids))
            company_id: int | None = w.company_ids[k]
            domain, country = w.company_domains[k], w.company_countries[k]
        else:
            company_id, domain, country = None, "mail.example", rng.choice(COUNTRIES)
        email = f"{first_mail}.{last_mail}{cid}@{domain}"
        phone = f"+1 555 01{rng.randrange(100):02d}"
        at = created - rng.randrange(60, _H)
        db = w.times.db(at)
        self.chunk.contacts.append(
            (cid, email, email, first, last, phone, title, country, db, db, company_id, None)
        )
        self.recent_contacts.append((cid, company_id))
        payload = (
            f'{{"company":{company_id if company_id else "null"},"country":"{country}",'
            f'"email":"{email}","first_name":{qfirst},"last_name":{qlast},'
            f'"phone":"{phone}","title":{qtitle}}}'
        )
        self.chunk.events.append(
            ("contact.created", at, None, "contact", cid, None, payload, False)
        )
        return cid, company_id

    # --- rows ---------------------------------------------------------------------------
    def emit(self, lead: _Lead, created: int, facts_: tuple[Any, ...]) -> None:
        source, fit, eng, facts, line, camp_id, contact_id, company_id, state = facts_
        w, ids, chunk, db = self.w, self.ids, self.chunk, self.w.times.db
        lid = lead.id
        touches = sorted(lead.touches, key=lambda t: t[0])
        sales = [t[0] for t in touches if t[3] == "sales"]
        for at, kind, channel, team, collateral, actor, camp in touches:
            tid, ids.touch = ids.touch, ids.touch + 1
            chunk.touches.append(
                (tid, kind, channel, team, db(at), collateral, "", db(at), actor, camp,
                 contact_id, lid)
            )  # fmt: skip
            lead.events.append(
                (at, -1, ("touch.recorded", actor, tid, f'{{"campaign_id":{camp or "null"},'
                 f'"channel":"{channel}","collateral":"{collateral}","kind":"{kind}",'
                 f'"team":"{team}"}}'))
            )  # fmt: skip
        for entered, stage_id, exited, _ in lead.visits:
            vid, ids.visit = ids.visit, ids.visit + 1
            chunk.visits.append((vid, db(entered), db(exited) if exited else None, lid, stage_id))
        last_event = created
        for at, order, body in sorted(lead.events, key=lambda e: (e[0], e[1] < 0, e[1])):
            last_event = max(last_event, at)
            if order < 0:
                kind, actor, tid, payload = body
                chunk.events.append((kind, at, actor, "touch", tid, lid, payload, False))
            else:
                kind, actor, payload = body
                chunk.events.append((kind, at, actor, "lead", lid, lid, payload, False))
        last_visit = lead.visits[-1]
        reason = w.reasons[state["reason"]] if state["reason"] else None
        disposition, why, decided = state["disposition"]
        chunk.leads.append(
            (
                lid, source, db(last_visit[0]), (fit + eng) // 2, facts, line, state["amount"],
                state["outcome"], db(state["at"]) if state["at"] else None, None, len(touches),
                len(sales), db(touches[0][0]), db(touches[-1][0]),
                db(sales[0]) if sales else None, db(created), db(last_event), camp_id,
                company_id, contact_id, state["owner"], reason, last_visit[1], fit, eng,
                db(state["assigned"]) if state["assigned"] else None,
                db(state["assigned"]) if state["assigned"] else None, disposition, why,
                db(decided) if decided else None,
            )
        )  # fmt: skip


def leads_chunk(world: World, ids: Ids, chunk_no: int, count: int) -> Chunk:
    maker = LeadMaker(world, ids, chunk_no)
    span = world.end - world.start
    for _ in range(count):
        position = ids.leads_done + maker.rng.random()
        maker.make(world.start + int(position * span / world.total))
        ids.leads_done += 1
    return maker.chunk
