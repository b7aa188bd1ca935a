"""What an AWS account would already have before the stack is created.

The load_balancer role takes an ACM certificate ARN as input, as the Terraform original did:
in AWS the certificate is issued once, outside the stack. In the emulator the launcher imports
a self-signed certificate for the local domain once at start and records its ARN in the state
directory, where `inventories/local` reads it.
"""

from __future__ import annotations

import datetime

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOCAL_DOMAIN = "muejam.local.test"
REGION = "us-east-1"


def self_signed_certificate(domain: str) -> tuple[bytes, bytes]:
    """Return (certificate PEM, private key PEM) of a self-signed certificate for domain."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def seed(endpoint: str) -> dict[str, str]:
    """Create the account's pre-existing resources; return {state file name: value}."""
    acm = client("acm", endpoint)
    for summary in acm.list_certificates()["CertificateSummaryList"]:
        if summary["DomainName"] == LOCAL_DOMAIN:
            return {"certificate_arn": summary["CertificateArn"]}
    certificate, key = self_signed_certificate(LOCAL_DOMAIN)
    arn = acm.import_certificate(
        Certificate=certificate,
        PrivateKey=key,
        Tags=[{"Key": "Name", "Value": LOCAL_DOMAIN}],
    )["CertificateArn"]
    return {"certificate_arn": arn}
