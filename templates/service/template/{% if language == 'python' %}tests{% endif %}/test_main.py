from fastapi.testclient import TestClient

from app.main import app

client = TestClient(app)


def test_health_is_ok():
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_metrics_count_requests():
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert 'http_requests_total{method="GET",path="/healthz",status="200"}' in response.text
