"""The hand-off to the mail platform (SPEC 3.2). The portal calls ``provisioner()`` and never
the platform directly; the default implementation records each request for staff to read."""

from django.conf import settings
from django.utils.module_loading import import_string


class RecordingProvisioner:
    def request(self, *, mailbox, action, **payload):
        from .models import ProvisioningRequest

        return ProvisioningRequest.objects.create(mailbox=mailbox, action=action, payload=payload)

    def request_many(self, requests):
        """``requests``: (mailbox, action, payload) triples, recorded in one statement."""
        from .models import ProvisioningRequest

        ProvisioningRequest.objects.bulk_create(
            ProvisioningRequest(mailbox=mailbox, action=action, payload=payload) for mailbox, action, payload in requests
        )


def provisioner():
    return import_string(settings.PROVISIONING_BACKEND)()
