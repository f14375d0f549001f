from django.urls import reverse

from tests.utils import login


def test_landing_page_is_chinese(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "试点示范项目申报系统" in response.content.decode()
    assert 'lang="zh-CN"' in response.content.decode()


def test_applicant_dashboard_lists_open_guide(client, personas):
    login(client, personas.applicant_a)
    response = client.get(reverse("declarations:dashboard"))
    assert response.status_code == 200
    assert personas.guide.title in response.content.decode()
