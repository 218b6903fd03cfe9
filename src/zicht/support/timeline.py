"""One student's support line as a list of dated events, oldest first.

Only dossiers and de-registrations the caller passes in appear: the view passes what the
permission layer lets the user see, so the timeline never shows more than the pages do.
"""

from dataclasses import dataclass
from datetime import date, datetime

from zicht.core import clock
from zicht.support import services
from zicht.support.models import DossierConsent


@dataclass
class Event:
    day: date
    title: str
    detail: str = ""
    state: str = ""  # done / planned / overdue / open / cancelled / warning / ""
    link: str = ""


def _day(value):
    if isinstance(value, datetime):
        return clock.localtime(value).date()
    return value


PURPOSES = dict(DossierConsent.PURPOSES)
GIVERS = {"pupil": "leerling", "parent": "ouder"}


def build(dossiers, deregistrations, now=None):
    now = now or clock.now()
    events = []
    for dossier in dossiers:
        link = f"/staff/support/dossiers/{dossier.pk}/"
        events.append(
            Event(
                _day(dossier.created_at),
                "Overstapdossier aangemaakt",
                f"{dossier.intended_programme} (niveau {dossier.get_intended_level_display()}) "
                f"bij {dossier.receiving_team}",
                link=link,
            )
        )
        registration = services.registration_status(dossier, now)
        if dossier.registered_on:
            events.append(
                Event(
                    dossier.registered_on,
                    "Aangemeld bij het mbo",
                    "na 1 april" if registration.late else "op tijd (voor 1 april)",
                    "warning" if registration.late else "done",
                )
            )
        else:
            events.append(
                Event(
                    registration.deadline,
                    "Aanmelddeadline 1 april",
                    "nog niet aangemeld",
                    "overdue" if registration.missed else "planned",
                )
            )
        for grant in dossier.consents.all():
            what = (
                f"{GIVERS.get(grant.given_by, grant.given_by)}: {PURPOSES.get(grant.purpose, grant.purpose)}"
            )
            events.append(Event(_day(grant.recorded_at), "Toestemming gegeven", what, "done"))
            if grant.withdrawn_at:
                events.append(Event(_day(grant.withdrawn_at), "Toestemming ingetrokken", what, "warning"))
        if dossier.handed_over_at:
            events.append(Event(_day(dossier.handed_over_at), "Dossier overgedragen", "", "done"))
        handover = services.handover_status(dossier, now)
        if dossier.contact_assigned_at:
            events.append(
                Event(
                    _day(dossier.contact_assigned_at),
                    "Contactpersoon mbo aangewezen",
                    str(dossier.receiving_contact or ""),
                    "done",
                )
            )
        if dossier.receipt_confirmed_at:
            events.append(
                Event(
                    _day(dossier.receipt_confirmed_at), "Ontvangst bevestigd (warme overdracht)", "", "done"
                )
            )
        elif handover.confirm_by:
            events.append(
                Event(
                    handover.confirm_by,
                    "Uiterlijk ontvangst bevestigen",
                    "10 schooldagen",
                    "overdue" if handover.overdue else "planned",
                )
            )
        if dossier.intake_on:
            events.append(Event(dossier.intake_on, "Intake", "", "done"))
        if dossier.specialist_intake_on:
            events.append(Event(dossier.specialist_intake_on, "Specialistische intake", "", "done"))
        if dossier.mbo_started_on:
            events.append(Event(dossier.mbo_started_on, "Eerste schooldag mbo", "", "done"))
        for checkin in dossier.checkins.all():
            events.append(
                Event(
                    checkin.due_on,
                    checkin.get_kind_display().capitalize(),
                    f"#{checkin.occasion}",
                    services.checkin_state(checkin, now),
                )
            )
        for contact in dossier.aftercare_contacts.all():
            events.append(
                Event(contact.contacted_on, "Nazorgcontact vso", contact.get_channel_display(), "done")
            )
    for row in deregistrations:
        label = "Negatief bindend studieadvies" if row.kind == row.NEGATIVE_BSA else "Uitgeschreven"
        events.append(
            Event(
                row.deregistered_on,
                label,
                f"{row.reason.label_nl}, na {row.days_enrolled} dagen"
                + (f"; bestemming: {row.destination}" if row.destination else ""),
                "warning",
                link=f"/staff/support/deregistrations/{row.pk}/",
            )
        )
        if row.follow_up_on:
            events.append(Event(row.follow_up_on, "Nagesprek na uitschrijving", "", "done"))
        else:
            due = services.follow_up_due(row)
            events.append(
                Event(
                    due,
                    "Nagesprek uiterlijk",
                    "10 schooldagen na uitschrijving",
                    "overdue" if services.today(now) > due else "planned",
                )
            )
        for checkin in row.checkins.all():
            events.append(
                Event(
                    checkin.due_on,
                    "Check-in na vertrek",
                    f"maand {checkin.occasion}",
                    services.checkin_state(checkin, now),
                )
            )
    events.sort(key=lambda e: e.day)
    return events
