"""/system/mail: the outgoing mail relay, a test message, and the outbox."""

from __future__ import annotations

import socket

from bottle import response

from appliance import box_settings
from appliance.db import change
from appliance.errors import NotFound
from appliance.fields import Email, StrictSchema, validate
from appliance.mail import compose, config, outbox, smtp, templates, wake
from appliance.reports import mailing

from ..plugins import current_user, json_body


class TestSchema(StrictSchema):
    to = Email(required=True)


def install(api, box) -> None:
    secrets_dir = box.runtime.paths.secrets

    @api.get("/system/mail")
    def get_mail():
        """The outgoing mail relay (the password is never shown: password_set says whether one is stored)."""
        return config.public(config.load(), secrets_dir)

    @api.put("/system/mail", schema=config.MailSettingsSchema)
    def put_mail():
        """Set the outgoing mail relay: host, port, security (none, starttls, tls), user, password, sender.
        Fields left out keep their value; a password of "" removes the stored one."""
        values = validate(config.MailSettingsSchema(), json_body(), partial=True)
        with change(current_user().username, "mail.update", ",".join(sorted(values))) as cs:
            settings = config.save(cs, values, secrets_dir)
        wake.set()  # queued mail may go out now
        return config.public(settings, secrets_dir)

    @api.post("/system/mail/test", schema=TestSchema, success="200")
    def test_mail():
        """Send a test message now with the stored settings; says what the relay answered (sent, or the
        stage that failed and the server's own words, such as 535 authentication failed)."""
        to = validate(TestSchema(), json_body())["to"]
        settings = config.load()
        if not settings.configured:
            return {"sent": False, "stage": "settings", "code": None,
                    "error": "set the relay's host and the sender address first"}
        name = box_settings.load().hostname
        subject, text = templates.render("test", box_settings.load().language, box=name)
        msg = compose.build(settings, [to], subject, text, [], hostname=socket.gethostname())
        try:
            answer = smtp.send(settings, config.password(secrets_dir), msg, [to])
        except smtp.SendError as exc:
            return {"sent": False, "stage": exc.stage, "code": exc.code, "error": str(exc)}
        return {"sent": True, "answer": answer}

    @api.get("/system/mail/outbox")
    def mail_outbox():
        """The latest queued, sent and given-up messages, newest first, with counts."""
        return {"items": outbox.recent(), "counts": outbox.counts()}

    @api.post("/system/mail/outbox/<mail_id:int>/retry", success="200")
    def retry_mail(mail_id):
        """Try a given-up message again (for another day)."""
        if not outbox.retry(mail_id):
            raise NotFound("no given-up message with this id")
        wake.set()
        response.status = 200
        return {"queued": True}

    @api.get("/system/mail/reports")
    def get_report_mail():
        """The scheduled report e-mail: daily and/or weekly traffic report, to whom, from which local hour."""
        return mailing.load().to_dict()

    @api.put("/system/mail/reports", schema=mailing.ReportMailSchema)
    def put_report_mail():
        """Set the scheduled report e-mail: daily (yesterday by hour), weekly (last week by day, on
        Mondays), recipients (up to 20 addresses), hour (0-23, the box's time zone). Fields left out
        keep their value."""
        values = validate(mailing.ReportMailSchema(), json_body(), partial=True)
        with change(current_user().username, "mail.reports", ",".join(sorted(values))) as cs:
            settings = mailing.save(cs, values)
        wake.set()
        return settings.to_dict()
