"""Staff at the command line: keygen, reading an inquiry with its matches, replying; registry import."""
from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from archive_schema.inquiries import Inquiry, InquiryKey
from search_api.cli import cli

from .conftest import INQUIRY, file

PASS = "a passphrase only staff know\n"


def test_staff_read_match_and_answer_an_inquiry(app, settings, public, tmp_path):
    runner = CliRunner()
    env = {"SVIDOK_HOME": str(settings.home), "USER": "staffer"}

    def invoke(*args, input=None, code=0):
        result = runner.invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    assert "at least 12" in invoke("inquiry", "keygen", "--passphrase-stdin", input="short\n", code=1)
    invoke("inquiry", "keygen", "--passphrase-stdin", "--kdf", "interactive", input=PASS)
    code = file(public)  # sealed to the new key
    registry = tmp_path / "list.csv"
    registry.write_text("name,status,birth_date,status_date,place,region\n"
                        "Ivan Kovalenko,pow,1980-02-03,2022-05-01,Olenivka,Donetsk\n"
                        "Ivan Kovalenko,pow,1966-01-01,2022-05-01,Olenivka,Donetsk\n"
                        "Olena Bondarenko,deported_child,2012-07-01,2022-09-01,,Kharkiv\n"
                        ",pow,,,,\n", encoding="utf-8")
    out = invoke("registry", "import", str(registry), "--source", "Fictional list", "--json", code=1)
    assert json.loads(out)["added"] == 3 and json.loads(out)["errors"][0]["row"] == 5

    with app.extensions["svidok"].db.reader() as session:
        inquiry_id = session.scalar(select(Inquiry.id))
        assert session.scalar(select(InquiryKey.id).where(InquiryKey.active.is_(True)))
    shown = invoke("inquiry", "show", inquiry_id, "--passphrase-stdin", input=PASS)
    assert INQUIRY["relative_name"] in shown and INQUIRY["contact"] in shown and "civilian_detainee" in shown
    matches = [line for line in shown.splitlines() if line.strip().startswith("registry ")]
    assert len(matches) == 1 and "born 1980-02-03" in matches[0] and "name and date of birth" in matches[0]
    assert "passphrase opens no" in invoke("inquiry", "show", inquiry_id, "--passphrase-stdin",
                                           input="wrong passphrase!!\n", code=1)
    invoke("inquiry", "reply", inquiry_id, "--status", "information", "--message", "Знайдено запис.",
           "--passphrase-stdin", input=PASS)
    assert "information" in invoke("inquiry", "list")
    seen = public.post("/api/v1/inquiries/status", json={"access_code": code}).get_json()
    assert seen["status"] == "information" and seen["messages"][0]["text"] == "Знайдено запис."
    assert "#1" in invoke("inquiry", "show", inquiry_id, "--passphrase-stdin", input=PASS)
    assert "no match" in invoke("registry", "match", "Nobody Atall")
    assert "Olena Bondarenko" in invoke("registry", "match", "Олена Бондаренко")
