"""What each nightly job returns: one summary of counters, which the summaries of its parts
(batches, worker processes, Celery tasks) add up to."""

from dataclasses import dataclass, fields


class JobSummary:
    def add(self, other):
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


@dataclass
class RenewalSummary(JobSummary):
    mailboxes: int = 0
    renewed: int = 0
    addons_renewed: int = 0
    deactivated: int = 0
    expired: int = 0
    terminated: int = 0
    emails_sent: int = 0
    debited_cents: int = 0
    failed: int = 0

    @property
    def done(self):
        """Mailboxes gone through, for the progress bar."""
        return self.mailboxes + self.failed


@dataclass
class AlertSummary(JobSummary):
    mailboxes: int = 0
    emails_sent: int = 0
    failed: int = 0
