from accounts.models import Holder


def test_an_english_browser_still_gets_the_italian_portal(client, db):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="it"' in page
    assert "Accedi" in page


def test_the_switch_turns_the_portal_english_and_remembers_it_for_the_holders_emails(holder_client, holder):
    response = holder_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en"' in holder_client.get("/").content.decode()
    assert Holder.objects.get(pk=holder.pk).language == "en"


def test_an_unknown_language_changes_nothing(holder_client, holder):
    holder_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert 'lang="it"' in holder_client.get("/").content.decode()
    assert Holder.objects.get(pk=holder.pk).language == "it"


def test_dates_read_day_first_in_english_too(holder_client, mailbox):
    holder_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = holder_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert mailbox.expires_on.strftime("%d/%m/%Y") in page
