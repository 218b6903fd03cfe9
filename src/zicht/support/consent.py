"""Consent per purpose for transition dossiers.

Rules (docs/support-line.md):
* a purpose is allowed when the pupil has a grant in force and, while the pupil is under 16,
  a parent or carer has one too;
* a withdrawal by either stops the purpose from that instant on;
* every grant stores the version and the exact text that was shown, in the language shown.
"""

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from zicht.core import clock
from zicht.support.models import DossierConsent

TEXT_VERSION = "2026-1"

# (purpose, given_by) -> {language: text}. Plain Dutch (B1); a new wording needs a new TEXT_VERSION.
TEXTS = {
    (DossierConsent.SHARE_SCHOOL, DossierConsent.PUPIL): {
        "nl": "Ik vind het goed dat mijn school dit overstapdossier deelt met de mbo-school waar ik me heb "
        "aangemeld. Dan weet mijn nieuwe school wat ik nodig heb. Ik kan dit altijd weer intrekken.",
        "en": "I agree that my school shares this transition file with the MBO school I registered with, so "
        "my new school knows what I need. I can withdraw this at any time.",
    },
    (DossierConsent.SHARE_SCHOOL, DossierConsent.PARENT): {
        "nl": "Ik vind het goed dat de school het overstapdossier van mijn kind deelt met de mbo-school waar "
        "mijn kind zich heeft aangemeld. Ik kan dit altijd weer intrekken.",
        "en": "I agree that the school shares my child's transition file with the MBO school my child "
        "registered with. I can withdraw this at any time.",
    },
    (DossierConsent.SHARE_MENTOR, DossierConsent.PUPIL): {
        "nl": "Ik vind het goed dat mijn nieuwe mentor op het mbo mijn overstapdossier leest. "
        "Ik kan dit altijd weer intrekken.",
        "en": "I agree that my new mentor at the MBO reads my transition file. I can withdraw this at any time.",
    },
    (DossierConsent.SHARE_MENTOR, DossierConsent.PARENT): {
        "nl": "Ik vind het goed dat de nieuwe mentor van mijn kind op het mbo het overstapdossier leest. "
        "Ik kan dit altijd weer intrekken.",
        "en": "I agree that my child's new mentor at the MBO reads the transition file. "
        "I can withdraw this at any time.",
    },
    (DossierConsent.RESEARCH, DossierConsent.PUPIL): {
        "nl": "Ik vind het goed dat onderzoekers gegevens uit mijn dossier gebruiken, zonder mijn naam, om de "
        "overstap naar het mbo beter te maken. Ik kan dit altijd weer intrekken.",
        "en": "I agree that researchers use information from my file, without my name, to improve the move "
        "to MBO. I can withdraw this at any time.",
    },
    (DossierConsent.RESEARCH, DossierConsent.PARENT): {
        "nl": "Ik vind het goed dat onderzoekers gegevens uit het dossier van mijn kind gebruiken, zonder naam, "
        "om de overstap naar het mbo beter te maken. Ik kan dit altijd weer intrekken.",
        "en": "I agree that researchers use information from my child's file, without a name, to improve the "
        "move to MBO. I can withdraw this at any time.",
    },
}


def consent_text(purpose, given_by, language="nl"):
    texts = TEXTS[(purpose, given_by)]
    return texts.get(language) or texts["nl"]


def sixteenth_birthday(birth):
    try:
        return birth.replace(year=birth.year + 16)
    except ValueError:  # born on 29 February
        return date(birth.year + 16, 3, 1)


def needs_parent(dossier, now=None):
    """Under 16 at ``now`` (local date): a parent must consent as well."""
    today = clock.localtime(now or clock.now()).date()
    return today < sixteenth_birthday(dossier.pupil_birth_date)


def _in_force(now):
    return Q(recorded_at__lte=now) & (Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=now))


def active_grant(dossier, purpose, given_by, now=None):
    now = now or clock.now()
    return (
        DossierConsent.objects.filter(dossier=dossier, purpose=purpose, given_by=given_by)
        .filter(_in_force(now))
        .order_by("-recorded_at")
        .first()
    )


def in_force(dossier, purpose, now=None):
    """May the dossier be used for ``purpose`` at ``now``?"""
    now = now or clock.now()
    if active_grant(dossier, purpose, DossierConsent.PUPIL, now) is None:
        return False
    if needs_parent(dossier, now) and active_grant(dossier, purpose, DossierConsent.PARENT, now) is None:
        return False
    return True


def in_force_since(dossier, purpose, now=None):
    """The instant from which ``purpose`` has been allowed without interruption (None: not allowed)."""
    now = now or clock.now()
    if not in_force(dossier, purpose, now):
        return None
    grants = [active_grant(dossier, purpose, DossierConsent.PUPIL, now)]
    if needs_parent(dossier, now):
        grants.append(active_grant(dossier, purpose, DossierConsent.PARENT, now))
    return max(grant.recorded_at for grant in grants)


def in_force_q(purpose, now=None, prefix=""):
    """The same rule as in_force() as a filter on TransitionDossier querysets (for lists and exports)."""
    now = now or clock.now()
    today = clock.localtime(now).date()

    def grant(given_by):
        return Exists(
            DossierConsent.objects.filter(
                dossier=OuterRef(prefix + "pk"), purpose=purpose, given_by=given_by
            ).filter(_in_force(now))
        )

    # Born on or before this day: 16 or older today (29 February birthdays count from 1 March).
    try:
        sixteen_ago = today.replace(year=today.year - 16)
    except ValueError:
        sixteen_ago = date(today.year - 16, 2, 28)
    return Q(grant(DossierConsent.PUPIL)) & (
        Q(**{prefix + "pupil_birth_date__lte": sixteen_ago}) | Q(grant(DossierConsent.PARENT))
    )


def grant(dossier, purpose, given_by, user, now=None, language="nl"):
    """Record a grant with the text shown. Granting what is already granted changes nothing."""
    now = now or clock.now()
    with transaction.atomic():
        existing = (
            DossierConsent.objects.select_for_update()
            .filter(dossier=dossier, purpose=purpose, given_by=given_by, withdrawn_at__isnull=True)
            .first()
        )
        if existing is not None:
            return existing
        return DossierConsent.objects.create(
            dossier=dossier,
            purpose=purpose,
            given_by=given_by,
            text_version=f"{TEXT_VERSION}/{language}",
            text=consent_text(purpose, given_by, language),
            recorded_at=now,
            recorded_by=user,
        )


def withdraw(dossier, purpose, given_by, user, now=None):
    """Withdraw a grant: sharing for this purpose stops at ``now``. Returns whether anything changed."""
    now = now or clock.now()
    return bool(
        DossierConsent.objects.filter(
            dossier=dossier, purpose=purpose, given_by=given_by, withdrawn_at__isnull=True
        ).update(withdrawn_at=now, withdrawn_by=user)
    )
