"""Cloud metadata and the local identity provider, driven by the real azure-identity credentials
over HTTPS (MSAL refuses a non-https authority), as az CLI and Ansible use them
(shared/peer-clients.md)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import jwt
import pytest
import trustme
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential

from provisioner.localcloud import serve

TENANT = "72f988bf-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("identity")
    s = serve(tmp / "state.sqlite", tls=True, ca_path=tmp / "ca.pem")
    yield s
    s.shutdown()
    s.cloud.close()


@pytest.fixture(autouse=True)
def _lenient(server):
    server.cloud.set_identity(None)
    yield
    server.cloud.set_identity(None)


def _get(server, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import ssl

    ctx = ssl.create_default_context(cafile=server.ca_path)
    req = urllib.request.Request(server.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _claims(server, token: str) -> dict[str, Any]:
    """Verify the token against the JWKS the OpenID configuration names, as a resource would."""
    _, config = _get(server, f"/{TENANT}/v2.0/.well-known/openid-configuration")
    _, keys = _get(server, config["jwks_uri"].removeprefix(server.url))
    key = jwt.PyJWK(keys["keys"][0]).key
    return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})


def _secret_credential(server, client_id="app", secret="s3cret", tenant=TENANT):
    return ClientSecretCredential(
        tenant,
        client_id,
        secret,
        authority=server.url,
        disable_instance_discovery=True,
        connection_verify=server.ca_path,
    )


def test_metadata_is_one_object_for_az_cli_and_a_list_for_ansible(server):
    status, single = _get(server, "/metadata/endpoints?api-version=2022-09-01")
    assert status == 200 and isinstance(single, dict)
    assert single["name"] == "LocalCloud"  # never AzureCloud: az forces the public login there
    assert single["resourceManager"] == server.url + "/"
    assert single["authentication"]["loginEndpoint"] == server.url
    assert single["authentication"]["audiences"][0] == server.url + "/"
    assert single["vmImageAliasDoc"].startswith(server.url)
    assert "storage" in single["suffixes"]
    status, listed = _get(server, "/metadata/endpoints?api-version=2019-05-01")
    assert status == 200 and listed == [single]
    _, legacy = _get(server, "/metadata/endpoints?api-version=2015-01-01")
    assert legacy["authentication"]["loginEndpoint"] == server.url
    assert legacy["galleryEndpoint"] == server.url + "/"


def test_every_url_in_the_metadata_names_the_local_cloud(server):
    _, doc = _get(server, "/metadata/endpoints?api-version=2022-09-01")
    urls = [v for v in _leaves(doc) if isinstance(v, str) and v.startswith("http")]
    local = [u for u in urls if u.startswith(server.url)]
    public_audiences = {"https://management.core.windows.net/", "https://management.azure.com/"}
    assert set(urls) - set(local) <= public_audiences


def _leaves(doc: Any):
    if isinstance(doc, dict):
        for v in doc.values():
            yield from _leaves(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _leaves(v)
    else:
        yield doc


def test_client_secret_credential_signs_in_with_the_requested_audience_and_tenant(server):
    token = _secret_credential(server).get_token(f"{server.url}/.default")
    claims = _claims(server, token.token)
    assert claims["aud"] == server.url + "/"
    assert claims["tid"] == TENANT
    assert claims["appid"] == "app"
    assert claims["iss"] == f"{server.url}/{TENANT}/v2.0"


def test_az_cli_scope_with_the_double_slash_gives_the_classic_audience(server):
    token = _secret_credential(server).get_token("https://management.core.windows.net//.default")
    assert _claims(server, token.token)["aud"] == "https://management.core.windows.net/"


def test_strict_provider_refuses_a_wrong_secret_as_entra_id_does(server):
    server.cloud.set_identity([{"client_id": "app", "secret": "right"}], tenant=TENANT)
    assert _secret_credential(server, secret="right").get_token(f"{server.url}/.default").token
    with pytest.raises(ClientAuthenticationError) as err:
        _secret_credential(server, secret="wrong").get_token(f"{server.url}/.default")
    assert "AADSTS7000215" in str(err.value)
    with pytest.raises(ClientAuthenticationError) as err:
        _secret_credential(server, client_id="other").get_token(f"{server.url}/.default")
    assert "AADSTS700016" in str(err.value)


def test_strict_provider_answers_the_raw_error_document(server):
    import ssl

    server.cloud.set_identity([{"client_id": "app", "secret": "right"}], tenant=TENANT)
    body = b"grant_type=client_credentials&client_id=app&client_secret=no&scope=x%2F.default"
    req = urllib.request.Request(f"{server.url}/{TENANT}/oauth2/v2.0/token", data=body)
    ctx = ssl.create_default_context(cafile=server.ca_path)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, context=ctx)
    assert err.value.code == 401
    doc = json.loads(err.value.read())
    assert doc["error"] == "invalid_client" and doc["error_codes"] == [7000215]
    assert doc["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert {"trace_id", "correlation_id", "timestamp"} <= doc.keys()


def test_a_certificate_signs_in_through_a_client_assertion(server, tmp_path):
    ca = trustme.CA(key_type=trustme.KeyType.RSA)  # RS256 assertions need an RSA key
    leaf = ca.issue_cert("app.localcloud.invalid", key_type=trustme.KeyType.RSA)
    pem = tmp_path / "app.pem"
    pem.write_bytes(leaf.private_key_pem.bytes() + leaf.cert_chain_pems[0].bytes())
    cert = leaf.cert_chain_pems[0].bytes().decode()
    server.cloud.set_identity([{"client_id": "app", "certificate": cert}], tenant=TENANT)
    cred = CertificateCredential(
        TENANT,
        "app",
        str(pem),
        authority=server.url,
        disable_instance_discovery=True,
        connection_verify=server.ca_path,
    )
    assert _claims(server, cred.get_token(f"{server.url}/.default").token)["appid"] == "app"
    other = ca.issue_cert("intruder.localcloud.invalid", key_type=trustme.KeyType.RSA)
    server.cloud.set_identity(
        [{"client_id": "app", "certificate": other.cert_chain_pems[0].bytes().decode()}],
        tenant=TENANT,
    )
    cred = CertificateCredential(
        TENANT,
        "app",
        str(pem),
        authority=server.url,
        disable_instance_discovery=True,
        connection_verify=server.ca_path,
    )
    with pytest.raises(ClientAuthenticationError) as err:
        cred.get_token(f"{server.url}/.default")
    assert "AADSTS700027" in str(err.value)


def test_managed_identity_app_service_style(server, monkeypatch):
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{server.url}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "local-header")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_path)
    cred = ManagedIdentityCredential()
    token = cred.get_token(f"{server.url}/.default")
    # azure-identity sends resource=<scope less "/.default">; the token's aud is that resource
    assert _claims(server, token.token)["aud"] == server.url
    status, doc = _get(server, "/msi/token?api-version=2019-08-01&resource=https://x/")
    assert status == 400 and "X-IDENTITY-HEADER" in doc["message"]


def test_subscriptions_and_tenants_name_the_tenant_tokens_carry(server):
    server.cloud.set_identity(None, tenant=TENANT)
    _, subs = _get(server, "/subscriptions?api-version=2022-12-01")
    assert subs["value"][0]["tenantId"] == TENANT
    _, tenants = _get(server, "/tenants?api-version=2022-12-01")
    assert tenants["value"][0]["tenantId"] == TENANT


def test_credentials_are_not_kept_in_the_request_log(server):
    server.cloud.clear_request_log()
    _secret_credential(server, secret="do-not-log").get_token(f"{server.url}/.default")
    posts = [r for r in server.cloud.request_log() if r.method == "POST"]
    assert posts and all(r.body is None for r in posts)


def test_admin_path_configures_the_provider(server):
    import ssl

    body = json.dumps({"principals": [{"client_id": "a", "secret": "b"}], "tenant": TENANT})
    req = urllib.request.Request(f"{server.url}/_local/identity", data=body.encode(), method="PUT")
    ctx = ssl.create_default_context(cafile=server.ca_path)
    with urllib.request.urlopen(req, context=ctx) as resp:
        doc = json.loads(resp.read())
    assert doc["principals"] == [{"client_id": "a", "secret": "***"}]
    assert doc["tenant"] == TENANT
