from tests.conftest import PASSWORD


def test_pages_require_login(client, acme_lead):
    for url in ["/", f"/leads/{acme_lead.pk}/", "/board/", "/vocabulary/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={url}"


def test_login_page_has_labelled_fields(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_login_then_logout(client, rep):
    response = client.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "Signed in as <strong>Rita Rep</strong> (Sales rep)" in page
    assert 'action="/logout/"' in page
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, rep):
    response = client.post("/login/", {"username": "rep", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_header_links_every_page(rep_client):
    html = rep_client.get("/").content.decode()
    for link in ['href="/"', 'href="/board/"', 'href="/vocabulary/"', 'href="/api/v1/docs"']:
        assert link in html
    assert 'href="/" aria-current="page">Leads</a>' in html


def test_static_assets_are_served_by_the_app(rep_client):
    html = rep_client.get("/").content.decode()
    assert '<script src="/static/truce/htmx.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/truce/app.css">' in html


def test_static_files_are_served_by_whitenoise(client, db):
    for path, kind in [("truce/htmx.min.js", "javascript"), ("truce/app.css", "text/css")]:
        response = client.get(f"/static/{path}")
        assert response.status_code == 200
        assert kind in response["Content-Type"]
