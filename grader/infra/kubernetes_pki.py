"""Credentials for an embedded control plane: a CA, a serving certificate, tokens.

Everything is made fresh for each control plane and lives in its data folder, so no
two clusters (or two test runs) ever share a secret.  Users are static tokens
(`--token-auth-file`): an admin in `system:masters`, the controller manager, and a
fixed pool of tenant users that RBAC alone decides about.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ADMIN_USER = "labgrade-admin"
CONTROLLER_USER = "system:kube-controller-manager"
TENANT_USERS = ("tenant-a", "tenant-b", "tenant-c", "tenant-d")
TENANT_GROUP = "labgrade:tenants"
VALIDITY = timedelta(days=30)


@dataclass(frozen=True)
class ClusterCredentials:
    """Paths the control plane's processes and its clients read."""

    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def server_cert(self) -> Path:
        return self.folder / "apiserver.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "apiserver.key"

    @property
    def service_account_key(self) -> Path:
        return self.folder / "service-account.key"

    @property
    def service_account_public_key(self) -> Path:
        return self.folder / "service-account.pub"

    @property
    def token_file(self) -> Path:
        return self.folder / "tokens.csv"

    @property
    def kubeconfig_dir(self) -> Path:
        return self.folder / "kubeconfigs"

    def kubeconfig(self, user: str) -> Path:
        return self.kubeconfig_dir / f"{user}.kubeconfig"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.kubeconfig(ADMIN_USER)

    def token(self, user: str) -> str:
        config = json.loads(self.kubeconfig(user).read_text(encoding="utf-8"))
        return config["users"][0]["user"]["token"]


def write_credentials(folder: Path, server_url: str) -> ClusterCredentials:
    """Write the PKI, the token file and one kubeconfig per user into folder."""
    creds = ClusterCredentials(folder)
    creds.kubeconfig_dir.mkdir(parents=True, exist_ok=True)
    ca_key = _new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "labgrade-kubernetes-ca")])
    ca_cert = (
        _certificate(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = _new_key()
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    alt_names = [x509.DNSName(n) for n in ("localhost", "kubernetes", "kubernetes.default")]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "10.0.0.1")]
    server_cert = (
        _certificate(server_name, ca_name, server_key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_pem(creds.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_pem(creds.server_cert, server_cert.public_bytes(serialization.Encoding.PEM))
    _write_pem(creds.server_key, _private_pem(server_key))
    account_key = _new_key()
    _write_pem(creds.service_account_key, _private_pem(account_key))
    _write_pem(
        creds.service_account_public_key,
        account_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    users = {ADMIN_USER: "system:masters", CONTROLLER_USER: "system:masters"}
    users |= {tenant: TENANT_GROUP for tenant in TENANT_USERS}
    lines = []
    for user, group in users.items():
        token = secrets.token_urlsafe(32)
        lines.append(f'{token},{user},{user},"{group}"')
        _write_kubeconfig(creds.kubeconfig(user), server_url, creds.ca_cert, user, token)
    creds.token_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    creds.token_file.chmod(0o600)
    return creds


def _write_kubeconfig(path: Path, server: str, ca: Path, user: str, token: str) -> None:
    """A self-contained file (the CA inline), so a sandbox needs to see only it.

    JSON is YAML: every kubeconfig reader accepts it.
    """
    ca_data = base64.b64encode(ca.read_bytes()).decode()
    cluster = {"server": server, "certificate-authority-data": ca_data}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "labgrade", "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "labgrade", "user": user}}],
        "current-context": user,
    }
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    path.chmod(0o600)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(
    subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not cert_sign,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _write_pem(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)
