from django.db import transaction

from .models import Holder, Operation, User


def operation_log(*, holder_id, kind, description, mailbox_address="", amount_cents=None,
                  outcome=Operation.Outcome.COMPLETED, reference=None):
    return Operation.objects.create(
        holder_id=holder_id,
        kind=kind,
        description=description,
        mailbox_address=mailbox_address,
        amount_cents=amount_cents,
        outcome=outcome,
        reference=reference,
    )


def operation_settle(*, reference, outcome, description=None):
    """Move a pending operation to its final outcome; settling twice changes nothing."""
    updates = {"outcome": outcome}
    if description is not None:
        updates["description"] = description
    return Operation.objects.filter(reference=reference).update(**updates)


@transaction.atomic
def holder_create(*, fiscal_code, first_name, last_name, email, **fields):
    user = User.objects.create(username=f"holder-{fiscal_code.upper()}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return Holder.objects.create(
        user=user,
        fiscal_code=fiscal_code.upper(),
        first_name=first_name,
        last_name=last_name,
        email=email,
        **fields,
    )
