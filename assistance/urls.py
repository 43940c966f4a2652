from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("needs/", views.NeedListView.as_view(), name="need-list"),
    path("needs/<int:pk>/", views.NeedDetailView.as_view(), name="need-detail"),
    path("needs/<int:pk>/edit/", views.NeedUpdateView.as_view(), name="need-update"),
    path("needs/<int:pk>/transition/", views.NeedTransitionView.as_view(), name="need-transition"),
    path("households/<int:household_pk>/needs/new/", views.NeedCreateView.as_view(), name="need-create"),
    path("catalog/", views.CatalogItemListView.as_view(), name="item-list"),
    path("catalog/new/", views.CatalogItemFormView.as_view(), name="item-create"),
    path("catalog/<int:pk>/", views.CatalogItemDetailView.as_view(), name="item-detail"),
    path("catalog/<int:pk>/edit/", views.CatalogItemFormView.as_view(), name="item-update"),
    path("catalog/import/", views.CatalogImportView.as_view(), name="catalog-import"),
    path("catalog/import/<int:pk>/", views.CatalogImportDetailView.as_view(), name="catalog-import-detail"),
    path(
        "catalog/import/<int:pk>/confirm/",
        views.CatalogImportConfirmView.as_view(),
        name="catalog-import-confirm",
    ),
    path("catalog/export/<slug:kind>/", views.CatalogExportView.as_view(), name="catalog-export"),
    path("providers/", views.ProviderListView.as_view(), name="provider-list"),
    path("providers/new/", views.ProviderFormView.as_view(), name="provider-create"),
    path("providers/<int:pk>/edit/", views.ProviderFormView.as_view(), name="provider-update"),
    path("push/", views.RecommendationListView.as_view(), name="recommendation-list"),
    path("push/uptake/", views.UptakeView.as_view(), name="uptake"),
    path("push/<int:pk>/", views.RecommendationDetailView.as_view(), name="recommendation-detail"),
    path(
        "push/<int:pk>/transition/",
        views.RecommendationTransitionView.as_view(),
        name="recommendation-transition",
    ),
    path("plans/", views.CarePlanListView.as_view(), name="plan-list"),
    path("plans/<int:pk>/", views.CarePlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:pk>/print/", views.CarePlanPrintView.as_view(), name="plan-print"),
    path("plans/<int:pk>/edit/", views.CarePlanUpdateView.as_view(), name="plan-update"),
    path("plans/<int:pk>/transition/", views.CarePlanTransitionView.as_view(), name="plan-transition"),
    path("plans/<int:pk>/actions/new/", views.ActionAddView.as_view(), name="action-create"),
    path("plan-actions/<int:pk>/finish/", views.ActionFinishView.as_view(), name="action-finish"),
    path("households/<int:household_pk>/plans/new/", views.CarePlanCreateView.as_view(), name="plan-create"),
    path(
        "persons/<int:pk>/needs/accept/",
        views.NeedSuggestionAcceptView.as_view(),
        name="need-suggestion-accept",
    ),
]
