"""What people read for the stored vocabulary values (doc types, states, roles …), in the interface language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

DOC_TYPES = {
    "testimony": _l("testimony"), "court_decision": _l("court decision"), "indictment": _l("indictment"),
    "medical_record": _l("medical record"), "letter": _l("letter"), "list": _l("list"), "photo": _l("photo"),
    "video": _l("video"), "audio": _l("audio"), "email": _l("e-mail"), "archive": _l("archive (ZIP)"),
    "other": _l("other"),
}
STATES = {
    "received": _l("waiting"), "processing": _l("being processed"), "processed": _l("ready"),
    "needs_ocr": _l("needs text recognition"), "failed": _l("failed"),
}
CLASSIFICATIONS = {"public": _l("public"), "confidential": _l("confidential"), "under_seal": _l("under seal")}
ROLES = {"admin": _l("administrator"), "lawyer": _l("lawyer"), "investigator": _l("investigator"),
         "archivist": _l("archivist"), "viewer": _l("viewer")}
KINDS = {"person": _l("person"), "place": _l("place"), "facility": _l("detention facility"),
         "org": _l("organisation"), "organisation": _l("organisation")}
FACETS = {"person": _l("People"), "place": _l("Places"), "facility": _l("Facilities"),
          "organisation": _l("Organisations"), "doc_type": _l("Document type"), "language": _l("Language"),
          "collection": _l("Collection"), "month": _l("Month of the document")}
LANGUAGE_NAMES = {"uk": _l("Ukrainian"), "ru": _l("Russian"), "en": _l("English")}
FORUMS = {"echr": _l("European Court of Human Rights"), "icc": _l("International Criminal Court"),
          "un": _l("UN body"), "national": _l("national court")}

PERSON_STATUSES = {
    "civilian_detainee": _l("detained (a civilian)"), "pow": _l("taken prisoner as a soldier"),
    "deported_child": _l("a child taken to Russia or to occupied territory"),
    "deported_convict": _l("a prisoner moved to Russia"),
    "closed_institution_patient": _l("taken from a hospital, care home or other institution"),
    "ru_political_prisoner": _l("imprisoned in Russia for political reasons"),
    "missing": _l("missing, I do not know what happened"), "released": _l("released"), "deceased": _l("died"),
}
CONTACTS = {"code_only": _l("I will check myself with the access code (nothing else is stored)"),
            "email": _l("by e-mail"), "phone": _l("by phone"), "messenger": _l("by messenger")}
INQUIRY_STATUSES = {"received": _l("received"), "in_progress": _l("we are searching"),
                    "information": _l("we have information for you"), "closed": _l("closed")}
INQUIRY_HELP = {
    "received": _l("Your inquiry has arrived. Nobody has worked on it yet; this is normal in the first days."),
    "in_progress": _l("Someone from our team is looking through the archive for your relative."),
    "information": _l("We have something to tell you. Please read the messages below."),
    "closed": _l("We have finished working on this inquiry. The messages below say what we found."),
}

MENTION_LABELS = {"PERSON": _l("people"), "LOCATION": _l("places"), "FACILITY": _l("facilities"),
                  "DATE": _l("dates"), "ORG": _l("organisations")}
#: audit actions people see on custody and admin pages (others are shown as stored)
ACTIONS = {"item.receive": _l("received"), "item.download": _l("original downloaded"), "item.view": _l("viewed"),
           "item.process": _l("processed"),
           "auth.login": _l("sign-in"), "auth.logout": _l("sign-out"), "user.create": _l("user added"),
           "user.role": _l("role changed"), "user.disable": _l("user disabled"), "case.create": _l("case created"),
           "case.member.add": _l("case member added"), "case.person.add": _l("person added to a case"),
           "case.exhibit.add": _l("exhibit added"), "case.exhibit.edit": _l("exhibit changed"),
           "case.exhibit.move": _l("exhibit moved"), "case.exhibit.review": _l("exhibit reviewed"),
           "case.exhibit.renumber": _l("exhibits renumbered"), "case.chronology.add": _l("chronology entry added"),
           "case.export": _l("bundle exported"),
           "inquiry.create": _l("inquiry received"), "inquiry.update": _l("inquiry answered")}

#: what each case warning means, in the interface language (its details, from ingest.cases, stay in English)
WARNINGS = {
    "russia_jurisdiction": _l("A fact may fall outside the Court's jurisdiction over Russia (after 16 September 2022)."),
    "time_limit": _l("The time limit for applying to the Court runs from the final domestic decision."),
    "numbering": _l("The exhibit numbers do not follow the bundle's order: renumber them before filing."),
    "undated_exhibit": _l("An exhibit has no date."),
    "unreviewed_exhibit": _l("An exhibit has not been reviewed yet."),
    "names_anonymous": _l("An exhibit names a person who must stay anonymous: redact it before export."),
}


def _lookup(table):
    return lambda value: str(table.get(value, value)) if value is not None else ""


GLOBALS = {"doc_type_label": _lookup(DOC_TYPES), "state_label": _lookup(STATES),
           "classification_label": _lookup(CLASSIFICATIONS), "role_label": _lookup(ROLES),
           "kind_label": _lookup(KINDS), "facet_label": _lookup(FACETS), "language_label": _lookup(LANGUAGE_NAMES),
           "forum_label": _lookup(FORUMS), "person_status_label": _lookup(PERSON_STATUSES),
           "contact_label": _lookup(CONTACTS), "inquiry_status_label": _lookup(INQUIRY_STATUSES),
           "inquiry_status_help": _lookup(INQUIRY_HELP), "mention_label": _lookup(MENTION_LABELS),
           "action_label": _lookup(ACTIONS), "warning_label": _lookup(WARNINGS), "DOC_TYPES": DOC_TYPES, "STATES": STATES,
           "CLASSIFICATIONS": CLASSIFICATIONS, "ROLES": ROLES}
