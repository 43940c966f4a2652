from django.urls import path

from . import views

app_name = "households"

urlpatterns = [
    path("households/", views.HouseholdListView.as_view(), name="household-list"),
    path("households/new/", views.HouseholdCreateView.as_view(), name="household-create"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household-detail"),
    path("households/<int:pk>/edit/", views.HouseholdUpdateView.as_view(), name="household-update"),
    path("households/<int:pk>/archive/", views.HouseholdArchiveView.as_view(), name="household-archive"),
    path(
        "households/<int:pk>/restore/",
        views.HouseholdArchiveView.as_view(archived=False),
        name="household-restore",
    ),
    path(
        "households/<int:household_pk>/members/new/", views.PersonCreateView.as_view(), name="person-create"
    ),
    path("households/pick/", views.HouseholdPickView.as_view(), name="household-pick"),
    path("persons/pick/", views.PersonPickView.as_view(), name="person-pick"),
    path("persons/", views.PersonListView.as_view(), name="person-list"),
    path("persons/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("persons/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person-update"),
    path("persons/<int:pk>/status/", views.PersonStatusView.as_view(), name="person-status"),
    path("persons/<int:pk>/reveal/<str:field>/", views.PersonRevealView.as_view(), name="person-reveal"),
    path("persons/<int:pk>/statuses/new/", views.StatusAddView.as_view(), name="status-create"),
    path("statuses/<int:pk>/end/", views.StatusEndView.as_view(), name="status-end"),
    path("divisions/", views.DivisionListView.as_view(), name="division-list"),
]
