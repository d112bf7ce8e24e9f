"""The table of registered-design term rules: one :class:`Rule` per office, as data.

Each row gives the office's maximum term and the date it counts from, the rule change
and the rule before it (with the date that decides which applies), the renewal pattern,
the grace period where the sources give one, the special cases, and the sources (the
URLs of ``design-terms.md``, the project's reference on design terms). 🟡 marks what
the sources do not state outright: a rule flagged ``assumed`` says so in every estimate.
:mod:`patsnap_pandas.frame.terms` applies the rules; docs/clearance.md shows this table
(generated from it).

Examples
--------
>>> print(RULES["US"].term.words(), "|", RULES["US"].before.words())
15 years from grant | 14 years from grant
>>> rule_for("eu").authority
'EM'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ..codes import AUTHORITY_ALIASES

__all__ = ["Term", "Renewal", "Rule", "RULES", "ALIASES", "rule_for", "add_years"]

Start = Literal["filing", "grant", "registration"]
Pattern = Literal["none", "annual", "every 5 years", "once"]


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year.

    Examples
    --------
    >>> add_years(dt.date(2012, 2, 29), 15), add_years(dt.date(2012, 2, 29), 16)
    (datetime.date(2027, 2, 28), datetime.date(2028, 2, 29))
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Term:
    """A maximum term: ``years`` from the ``start`` date; ``or_later``: the later of that and a second term (CA).

    ``cite`` names the legal basis as the sources give it.

    Examples
    --------
    >>> Term(10, "registration", "Industrial Design Act s. 10", or_later=(15, "filing")).words()
    'the later of 10 years from registration or 15 years from filing'
    """

    years: int
    start: Start
    cite: str
    or_later: tuple[int, Start] | None = None

    def words(self) -> str:
        text = f"{self.years} years from {self.start}"
        if self.or_later:
            text = f"the later of {text} or {self.or_later[0]} years from {self.or_later[1]}"
        return text

    def parts(self) -> tuple[tuple[int, Start], ...]:
        return ((self.years, self.start),) + ((self.or_later,) if self.or_later else ())


@dataclass(frozen=True)
class Renewal:
    """How a right is kept alive: the ``pattern``, the first renewal ``first`` years after the ``anchor``
    date, then one each :attr:`every` years until the term ends.

    ``grace`` is the grace period in words where the sources give one; ``note`` a caveat shown with
    each renewal due; ``assumed`` marks a schedule the sources do not state (🟡: the anchor of
    annual fees). For annual fees, ``first`` is the number of years paid on registration.

    Examples
    --------
    >>> RULES["EM"].renewal.words(), RULES["EM"].renewal.every
    ('renewed every 5 years from filing', 5)
    >>> RULES["KR"].renewal.words()
    'annual fees, due on the anniversaries of registration from year 4'
    """

    pattern: Pattern
    first: int = 0
    anchor: Start = "filing"
    grace: str = ""
    note: str = ""
    assumed: bool = False

    @property
    def every(self) -> int:
        """Years between two renewals (0: none, or only one)."""
        return {"annual": 1, "every 5 years": 5}.get(self.pattern, 0)

    def condition(self) -> str:
        """The condition of the full term in words ("" when there are no fees)."""
        return {"none": "", "annual": ", if the annual fees are paid", "every 5 years": ", if renewed every 5 years",
                "once": f", if renewed once, {self.first} years after {self.anchor}"}[self.pattern]

    def words(self) -> str:
        if self.pattern == "none":
            return "no renewal fees"
        if self.pattern == "once":
            return f"renewed once, {self.first} years after {self.anchor}"
        if self.pattern == "annual":
            return f"annual fees, due on the anniversaries of {self.anchor} from year {self.first + 1}"
        return f"renewed every 5 years from {self.anchor}"


@dataclass(frozen=True)
class Rule:
    """The term rule of one office (one row of :data:`RULES`).

    ``term`` applies to rights whose deciding date is on or after ``changed`` (or to all
    when there was no change); ``before`` to the others. The deciding date is the filing
    date (``decided_by="filing"``), or for TW whether the old term was still running on
    ``changed`` (``"running"``). ``assumed``: the sources state the change but not which
    date decides it (🟡). ``minimum``: the term is a guaranteed minimum (Hague). ``notes``:
    special cases in words; ``sources``: the URLs the row comes from.

    Examples
    --------
    >>> rule = RULES["TW"]
    >>> rule.changed, rule.before.years, rule.term.years, rule.decided_by
    (datetime.date(2019, 11, 1), 12, 15, 'running')
    """

    authority: str
    right: str
    term: Term
    renewal: Renewal
    sources: tuple[str, ...]
    changed: dt.date | None = None
    before: Term | None = None
    decided_by: Literal["filing", "running"] = "filing"
    assumed: bool = False
    minimum: bool = False
    notes: tuple[str, ...] = ()


_ANNUAL_FEES = "🟡 assumed: the sources do not say from which date the annual fees count"

#: One rule per office, keyed by the authority code PatSnap uses (``codes.AUTHORITIES``).
RULES: dict[str, Rule] = {r.authority: r for r in (
    Rule("US", "design patent", Term(15, "grant", "35 USC 173"), Renewal("none"),
         changed=dt.date(2015, 5, 13), before=Term(14, "grant", "35 USC 173 before the PLTIA"),
         notes=("By filing date: 2015-05-13, not 2013-12-18 as some sites say.",
                "A continuation-in-part runs from its own grant date."),
         sources=("https://deviceclaims.com/articles/how-long-does-a-design-patent-last-explainer-2026-06-22",
                  "https://blog.oppedahl.com/importance-may-13-2015-us-design-patent-filers",
                  "https://www.upcounsel.com/design-patent-term",
                  "https://blueironip.com/ufaq-tag/design-patent/page/5",
                  "https://apexipgroup.com/design-patents/",
                  "http://mondaq.com/unitedstates/x/434672/Patent/Practice+Tip+Determining+Design+Patent+Term")),
    Rule("EM", "registered design (EU design)", Term(25, "filing", "Regulation (EC) 6/2002 Art. 12"),
         Renewal("every 5 years", first=5, grace="6 months, fee +25 %",
                 note="🟡 renewals due before the 2025 reform ran to the end of the month; sources differ on "
                      "whether the filing anniversary applies from 2025-05-01 or 2025-10-01"),
         sources=("https://www.ipoi.gov.ie/en/types-of-ip/designs/understanding-designs/protection-abroad/"
                  "registered-community-design/",
                  "https://dehns.com/insights/eu-design-law-changes-renewal-fees",
                  "https://www.charlesrussellspeechlys.com/en/insights/quick-reads/102k084-eu-designs-upcoming-"
                  "increases-in-renewal-fees-and-amendments-to-renewal-deadline/",
                  "https://www.mondaq.com/uk/patent/1590042/eu-design-reform-new-design-fees-and-changes-to-renewal-dates")),
    Rule("CN", "design patent", Term(15, "filing", "Patent Law Art. 42"),
         Renewal("annual", first=1, anchor="filing", note=_ANNUAL_FEES, assumed=True),
         changed=dt.date(2021, 6, 1), before=Term(10, "filing", "Patent Law Art. 42 before the 2020 amendment"),
         sources=("https://www.mondaq.com:443/china/patent/1074786/highlights-of-chinese-design-filings-from-june-1-2021",
                  "http://alipo.com.cn/en/service.php?act=view&id=41",
                  "https://beta2.law.asia/design-protection-china-amended-patent-law")),
    Rule("JP", "design right", Term(25, "filing", "Design Act Art. 21"),
         Renewal("annual", first=3, anchor="registration", note=_ANNUAL_FEES, assumed=True),
         changed=dt.date(2020, 4, 1), before=Term(20, "registration", "Design Act Art. 21 before the 2019 revision"),
         assumed=True, notes=("A related design expires with its base design (not modelled).",),
         sources=("http://www.taiyo-nk.co.jp/en/news/japan/news/20200501.html",
                  "https://country-index.com/(X(1)S(rzg015cdgswxfhktw4vrrjug))/newsletter_update.aspx?ID=1996",
                  "https://www.jetro.go.jp/en/invest/setting_up/section5/page8.html",
                  "http://ichizawakawada.com/en/biss/design/",
                  "https://groth.eu/news/revisions-of-the-japanese-design-law-now-more-resembling-the-eu/")),
    Rule("KR", "design right", Term(20, "filing", "Design Protection Act Art. 91"),
         Renewal("annual", first=3, anchor="registration", grace="6 months, at up to twice the fee",
                 note=_ANNUAL_FEES, assumed=True),
         changed=dt.date(2014, 7, 1), before=Term(15, "registration", "Design Protection Act before the 2014 amendment"),
         assumed=True, notes=("The right arises on registration.",),
         sources=("https://www.lexology.com/library/detail.aspx?g=3b2ce359-f521-4475-9f89-6a5e428bd35f",
                  "http://central.kr/design/sub03/index03.php",
                  "http://daeilpat.co.kr/eng/resources/KDRights.php",
                  "https://www.ip-coster.com/academy/details/design_renewal",
                  "https://ip-here.com/maintenance/annuity-management/faq")),
    Rule("GB", "registered design", Term(25, "filing", "Registered Designs Act 1949 s. 8"),
         Renewal("every 5 years", first=5, grace="6 months late renewal at £24 a month; restoration within a further 6 months"),
         sources=("https://www.gov.uk/renew-registered-design",
                  "https://nibusinessinfo.co.uk/content/renew-your-registered-designs")),
    Rule("DE", "registered design (eingetragenes Design)", Term(25, "filing", "DesignG § 27(2)"), Renewal("every 5 years", first=5),
         notes=("Protection arises on registration.",
                "With deferred publication, protection ends after 30 months unless extended (not modelled)."),
         sources=("https://lexante.net/de/geschmmg/27", "https://psmp.de/en/expertise/design",
                  "https://ra-himburg-berlin.de/designrecht/faq/1442-wann-beginnt-der-designschutz-wie-lange-gilt-"
                  "designschutz.html",
                  "https://westfalenpatent.de/design-2")),
    Rule("FR", "registered design (dessin ou modèle)", Term(25, "filing", "Code de la propriété intellectuelle L. 513-1"),
         Renewal("every 5 years", first=5), notes=("An initial 10-year period is also possible.",),
         sources=("https://www.inpi.fr/comprendre-la-propriete-intellectuelle/les-dessins-modeles",
                  "https://schmitt-avocats.fr/monopoles-droits-propriete-industrielle/dessin-et-modele",
                  "https://solvoxia-avocats.com/?p=3837")),
    Rule("WO", "international design registration (Hague)", Term(15, "filing", "Geneva Act (1999) Art. 17"),
         Renewal("every 5 years", first=5, note="paid to WIPO, also for designations of annual-fee offices"), minimum=True,
         notes=("Counted from the international registration date: the filing date unless the application was "
                "irregular.",
                "At least 15 years in each designated party, longer where its law allows: pass designation=.",
                "Designations under the 1960 Act: at least 10 years."),
         sources=("https://english.cnipa.gov.cn/art/2022/4/25/art_2908_175143.html",
                  "https://www.ipside.com/en/news-en/legal-briefs-en/all-legal-briefs/951-the-hague-system",
                  "https://tarynwilliford.com/index.php?p=166287",
                  "https://www.patentrenewal.com/design-renewals/japan",
                  "https://www.patentrenewal.com/design-renewals/south-korea")),
    Rule("CA", "industrial design", Term(10, "registration", "Industrial Design Act s. 10", or_later=(15, "filing")),
         Renewal("once", first=5, anchor="registration"),
         changed=dt.date(2018, 11, 5), before=Term(10, "registration", "Industrial Design Act s. 10 before 2018-11-05"),
         sources=("http://mondaq.com/canada/x/753492/Trademark/We+have+liftoff+Canadas+new+Industrial+Design+Regime"
                  "+has+launched",
                  "https://benoit-cote.com/faq/how-long-does-a-registered-industrial-design-last/")),
    Rule("IN", "registered design", Term(15, "filing", "Designs Act 2000 s. 11"), Renewal("once", first=10),
         notes=("10 years from registration (dated as the application) plus one 5-year extension.",),
         sources=("https://www.obhanandassociates.com/faqwd/term-registration-design/",
                  "http://suryawalaassociates.com/Design.aspx")),
    Rule("AU", "registered design", Term(10, "filing", "Designs Act 2003 s. 46"), Renewal("once", first=5, grace="6 months"),
         sources=("https://nginx-ipaustralia-feature-ipa-dev.govcms.amazee.io/designs/managing-your-design/"
                  "renew-your-design",)),
    Rule("TW", "design patent", Term(15, "filing", "Patent Act Art. 135"),
         Renewal("annual", first=1, anchor="grant", note=_ANNUAL_FEES, assumed=True),
         changed=dt.date(2019, 11, 1), before=Term(12, "filing", "Patent Act Art. 135 before 2019-11-01"),
         decided_by="running", notes=("Patents still valid on 2019-11-01 were extended automatically.",),
         sources=("https://www.wpto.com.tw/en/ip-news-detail/bbs6313/",
                  "https://www.jcpatent.com/patent_filing_taiwan_tjip/patent_filing_taiwan_news/2020-03-27-the-major-"
                  "amendments-of-taiwan-patent-law-in-2019-part-3entered-into-force-on-november-1-2019/")),
    Rule("HK", "registered design", Term(25, "filing", "Registered Designs Ordinance (Cap. 522)"), Renewal("every 5 years", first=5),
         sources=("https://promaxhongkong.com/en/patent-services",)),
)}

#: Other codes for the same office ("EU" for EUIPO's EM, "DM" for WO): ``codes.AUTHORITY_ALIASES``.
ALIASES: dict[str, str] = AUTHORITY_ALIASES


def rule_for(authority: str) -> Rule | None:
    """The rule of an office (aliases resolved), or None when there is none.

    Examples
    --------
    >>> rule_for("DM").authority, rule_for("BR") is None
    ('WO', True)
    """
    code = authority.strip().upper()
    return RULES.get(ALIASES.get(code, code))
