from django.urls import path

from delivery import pages

app_name = "deliveries"
urlpatterns = [
    path("deliveries/", pages.delivery_list, name="list"),
    path("deliveries/<uuid:delivery_id>/", pages.delivery_detail, name="detail"),
    path("deliveries/<uuid:delivery_id>/redeliver", pages.redeliver, name="redeliver"),
    path("deliveries/rules/<str:project>/<str:name>/", pages.rule_health_page, name="rule"),
    path("deliveries/rules/<str:project>/<str:name>/test", pages.rule_test_event, name="rule-test"),
    path(
        "deliveries/rules/<str:project>/<str:name>/redeliver",
        pages.rule_redeliver_failed,
        name="rule-redeliver",
    ),
]
