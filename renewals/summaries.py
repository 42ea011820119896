"""What each nightly job returns: one summary of counters, which the summaries of its parts
(batches, worker processes, Celery tasks) add up to."""

from dataclasses import dataclass, field, fields


class JobSummary:
    def add(self, other):
        for counter in fields(self):
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))


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
    # (address, reason, nights failed in a row) of each failed mailbox: plain tuples, so a Celery
    # part task returns them as JSON.
    failures: list = field(default_factory=list)
    orders_cancelled: int = 0

    @property
    def done(self):
        """Mailboxes gone through, for the progress bar."""
        return self.mailboxes + self.failed

    def failed_mailboxes(self):
        """The failures by address, each once: two parts may both have tried a mailbox that failed."""
        return sorted({address: (address, reason, nights) for address, reason, nights in self.failures}.values())


@dataclass
class AlertSummary(JobSummary):
    mailboxes: int = 0
    emails_sent: int = 0
    failed: int = 0
