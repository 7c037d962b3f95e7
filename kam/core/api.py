from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler  # noqa: F401


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000
