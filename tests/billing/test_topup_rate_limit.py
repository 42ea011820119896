from billing.models import TopUp


def test_the_eleventh_top_up_attempt_in_an_hour_is_refused_and_opens_no_payment(holder_client, settings):
    settings.TOPUP_RATE_LIMIT_PER_HOUR = 10
    for _ in range(10):
        # Refused amounts still count: a card tester would probe with anything.
        holder_client.post("/credit/topup/", {"amount": "1"})
    response = holder_client.post("/credit/topup/", {"amount": "10"}, follow=True)
    assert "troppi tentativi di ricarica" in response.content.decode()
    assert not TopUp.objects.exists()


def test_looking_at_the_page_does_not_count(holder_client, settings):
    settings.TOPUP_RATE_LIMIT_PER_HOUR = 2
    for _ in range(5):
        assert holder_client.get("/credit/topup/").status_code == 200
    assert "troppi tentativi" not in holder_client.post("/credit/topup/", {"amount": "1"}, follow=True).content.decode()
