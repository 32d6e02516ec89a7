from django.urls import path

from delivery import pages

app_name = "deliveries"
urlpatterns = [
    path("deliveries/", pages.delivery_list, name="list"),
    path("deliveries/<uuid:delivery_id>/", pages.delivery_detail, name="detail"),
    path("deliveries/<uuid:delivery_id>/redeliver", pages.redeliver, name="redeliver"),
]
