from django.urls import path

from . import views

app_name = "employment"

urlpatterns = [
    path("employment/", views.TargetListView.as_view(), name="target-list"),
    path("employment/people/<int:pk>/", views.PersonEmploymentView.as_view(), name="person"),
    path("employment/people/<int:pk>/profile/", views.ProfileEditView.as_view(), name="profile-edit"),
    path(
        "employment/people/<int:pk>/trainings/new/",
        views.TrainingCreateView.as_view(),
        name="training-create",
    ),
    path(
        "employment/people/<int:pk>/placements/new/",
        views.PlacementCreateView.as_view(),
        name="placement-create",
    ),
    path(
        "employment/people/<int:pk>/referrals/new/",
        views.ReferralCreateView.as_view(),
        name="referral-create",
    ),
    path("employment/people/<int:pk>/surveys/new/", views.SurveyCreateView.as_view(), name="survey-create"),
    path("employment/trainings/", views.TrainingListView.as_view(), name="training-list"),
    path("employment/trainings/<int:pk>/finish/", views.TrainingFinishView.as_view(), name="training-finish"),
    path("employment/posts/", views.PostListView.as_view(), name="post-list"),
    path("employment/posts/new/", views.PostCreateView.as_view(), name="post-create"),
    path("employment/posts/<int:pk>/", views.PostDetailView.as_view(), name="post-detail"),
    path("employment/posts/<int:pk>/edit/", views.PostUpdateView.as_view(), name="post-update"),
    path("employment/placements/", views.PlacementListView.as_view(), name="placement-list"),
    path("employment/placements/<int:pk>/end/", views.PlacementEndView.as_view(), name="placement-end"),
    path("employment/referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path(
        "employment/referrals/<int:pk>/outcome/", views.ReferralOutcomeView.as_view(), name="referral-outcome"
    ),
    path("employment/surveys/", views.SurveyListView.as_view(), name="survey-list"),
    path("employment/surveys/progress/", views.SurveyProgressView.as_view(), name="survey-progress"),
    path("employment/surveys/households/", views.SurveyHouseholdListView.as_view(), name="survey-households"),
]
