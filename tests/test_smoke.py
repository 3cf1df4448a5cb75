def test_home_page_for_anonymous(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_sign_in_and_see_directory(world, auth, client):
    response = auth.login("viewer@example.org")
    assert response.status_code == 302
    page = client.get("/organisations")
    assert page.status_code == 200
    assert b"Owning Organisation" in page.data
