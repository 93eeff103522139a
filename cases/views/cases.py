from django.http import HttpResponse


def case_list(request):
    return HttpResponse("")


def case_detail(request, reference):
    return HttpResponse("")
