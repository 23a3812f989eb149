"""Example calls for the 25 operations of Logto 1.22's document, all in 1.42's too (by hand)."""

from __future__ import annotations

from typing import Any

WEBAUTHN_REGISTRATION = {
    "type": "WebAuthn",
    "id": "cred-id",
    "rawId": "cred-raw-id",
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
        "attestationObject": "o2NmbXRkbm9uZQ",
        "transports": ["usb", "internal"],
    },
    "authenticatorAttachment": "cross-platform",
    "clientExtensionResults": {"crepProps": {"rk": True}},
}

WEBAUTHN_AUTHENTICATION = {
    "type": "WebAuthn",
    "id": "cred-id",
    "rawId": "cred-raw-id",
    "clientExtensionResults": {},
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
        "authenticatorData": "SZYN5YgO",
        "signature": "MEUCIQ",
    },
}

# operationId -> (method, path as sent, keyword arguments of the call)
VALID_CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "InitInteraction": ("PUT", "/api/experience", {"body": {"interactionEvent": "SignIn"}}),
    "UpdateInteractionEvent": (
        "PUT",
        "/api/experience/interaction-event",
        {"body": {"interactionEvent": "Register"}},
    ),
    "IdentifyUser": ("POST", "/api/experience/identification", {"body": {"verificationId": "v1"}}),
    "SubmitInteraction": ("POST", "/api/experience/submit", {}),
    "CreatePasswordVerification": (
        "POST",
        "/api/experience/verification/password",
        {"body": {"identifier": {"type": "username", "value": "alice"}, "password": "pw"}},
    ),
    "CreateAndSendVerificationCode": (
        "POST",
        "/api/experience/verification/verification-code",
        {
            "body": {
                "identifier": {"type": "email", "value": "a@example.com"},
                "interactionEvent": "SignIn",
            }
        },
    ),
    "VerifyVerificationCodeVerification": (
        "POST",
        "/api/experience/verification/verification-code/verify",
        {
            "body": {
                "identifier": {"type": "phone", "value": "15551234567"},
                "verificationId": "v1",
                "code": "123456",
            }
        },
    ),
    "CreateSocialVerification": (
        "POST",
        "/api/experience/verification/social/google%20x/authorization-uri",
        {
            "path": {"connectorId": "google x"},
            "body": {"state": "s", "redirectUri": "http://localhost/cb"},
        },
    ),
    "VerifySocialVerification": (
        "POST",
        "/api/experience/verification/social/google/verify",
        {"path": {"connectorId": "google"}, "body": {"connectorData": {"code": "c"}}},
    ),
    "CreateEnterpriseSsoVerification": (
        "POST",
        "/api/experience/verification/sso/okta/authorization-uri",
        {
            "path": {"connectorId": "okta"},
            "body": {"state": "s", "redirectUri": "http://localhost/cb"},
        },
    ),
    "VerifyEnterpriseSsoVerification": (
        "POST",
        "/api/experience/verification/sso/okta/verify",
        {
            "path": {"connectorId": "okta"},
            "body": {"connectorData": {"code": "c"}, "verificationId": "v1"},
        },
    ),
    "CreateTotpSecret": ("POST", "/api/experience/verification/totp/secret", {}),
    "VerifyTotpVerification": (
        "POST",
        "/api/experience/verification/totp/verify",
        {"body": {"code": "123456"}},
    ),
    "CreateWebAuthnRegistrationVerification": (
        "POST",
        "/api/experience/verification/web-authn/registration",
        {},
    ),
    "VerifyWebAuthnRegistrationVerification": (
        "POST",
        "/api/experience/verification/web-authn/registration/verify",
        {"body": {"verificationId": "v1", "payload": WEBAUTHN_REGISTRATION}},
    ),
    "CreateWebAuthnAuthenticationVerification": (
        "POST",
        "/api/experience/verification/web-authn/authentication",
        {},
    ),
    "VerifyWebAuthnAuthenticationVerification": (
        "POST",
        "/api/experience/verification/web-authn/authentication/verify",
        {"body": {"verificationId": "v1", "payload": WEBAUTHN_AUTHENTICATION}},
    ),
    "GenerateBackupCodes": ("POST", "/api/experience/verification/backup-code/generate", {}),
    "VerifyBackupCode": (
        "POST",
        "/api/experience/verification/backup-code/verify",
        {"body": {"code": "abcd"}},
    ),
    "CreateNewPasswordIdentityVerification": (
        "POST",
        "/api/experience/verification/new-password-identity",
        {"body": {"identifier": {"type": "username", "value": "new_user"}, "password": "pw"}},
    ),
    "AddUserProfile": (
        "POST",
        "/api/experience/profile",
        {"body": {"type": "email", "verificationId": "v1"}},
    ),
    "ResetUserPassword": (
        "PUT",
        "/api/experience/profile/password",
        {"body": {"password": "n3w-Passw0rd"}},
    ),
    "SkipMfaBindingFlow": ("POST", "/api/experience/profile/mfa/mfa-skipped", {}),
    "BindMfaVerification": (
        "POST",
        "/api/experience/profile/mfa",
        {"body": {"type": "Totp", "verificationId": "v1"}},
    ),
    "GetEnabledSsoConnectors": (
        "GET",
        "/api/experience/sso-connectors",
        {"query": {"email": "a@example.com"}},
    ),
}

# operationId -> (keyword arguments of an invalid call, JSON path, keyword)
INVALID_CALLS: dict[str, tuple[dict[str, Any], str, str]] = {
    "InitInteraction": ({"body": {"interactionEvent": "Bogus"}}, "$.interactionEvent", "enum"),
    "UpdateInteractionEvent": ({"body": {}}, "$.interactionEvent", "required"),
    "IdentifyUser": ({"body": {"verificationId": 5}}, "$.verificationId", "type"),
    "SubmitInteraction": ({"body": {"x": 1}}, "$", "requestBody"),
    "CreatePasswordVerification": (
        {"body": {"identifier": {"type": "usernamex", "value": "a"}, "password": "p"}},
        "$.identifier.type",
        "enum",
    ),
    "CreateAndSendVerificationCode": (  # 1.42: an email identifier or a phone one (oneOf)
        {"body": {"identifier": {"type": "username", "value": "a"}, "interactionEvent": "SignIn"}},
        "$.identifier",
        "oneOf",
    ),
    "VerifyVerificationCodeVerification": (
        {"body": {"identifier": {"type": "email", "value": "a@b.co"}, "verificationId": "v"}},
        "$.code",
        "required",
    ),
    "CreateSocialVerification": (
        {"path": {"connectorId": "g"}, "body": {"state": "s"}},
        "$.redirectUri",
        "required",
    ),
    "VerifySocialVerification": (
        {"path": {"connectorId": "g"}, "body": {"connectorData": "nope"}},
        "$.connectorData",
        "type",
    ),
    "CreateEnterpriseSsoVerification": (
        {"path": {"connectorId": "o"}, "body": {"state": 1, "redirectUri": "u"}},
        "$.state",
        "type",
    ),
    "VerifyEnterpriseSsoVerification": (
        {"path": {"connectorId": "o"}, "body": {"connectorData": {}}},
        "$.verificationId",
        "required",
    ),
    "CreateTotpSecret": ({"body": {"a": 1}}, "$", "requestBody"),
    "VerifyTotpVerification": ({"body": {"code": ""}}, "$.code", "minLength"),
    "CreateWebAuthnRegistrationVerification": ({"body": [1]}, "$", "requestBody"),
    "VerifyWebAuthnRegistrationVerification": (
        {
            "body": {
                "verificationId": "v",
                "payload": {
                    **WEBAUTHN_REGISTRATION,
                    "response": {
                        "clientDataJSON": "x",
                        "attestationObject": "y",
                        "transports": ["wifi"],
                    },
                },
            }
        },
        "$.payload.response.transports[0]",
        "enum",
    ),
    "CreateWebAuthnAuthenticationVerification": ({"body": "x"}, "$", "requestBody"),
    "VerifyWebAuthnAuthenticationVerification": (
        {
            "body": {
                "verificationId": "v",
                "payload": {
                    **WEBAUTHN_AUTHENTICATION,
                    "response": {"clientDataJSON": "x", "authenticatorData": "y"},
                },
            }
        },
        "$.payload.response.signature",
        "required",
    ),
    "GenerateBackupCodes": ({"body": {"n": 1}}, "$", "requestBody"),
    "VerifyBackupCode": ({"body": {"code": ""}}, "$.code", "minLength"),
    "CreateNewPasswordIdentityVerification": (
        {"body": {"identifier": {"type": "username", "value": "1abc"}, "password": "pw"}},
        "$.identifier.value",
        "pattern",
    ),
    "AddUserProfile": ({"body": {"type": "nickname", "value": "x"}}, "$.type", "discriminator"),
    "ResetUserPassword": ({"body": {"password": None}}, "$.password", "type"),
    "SkipMfaBindingFlow": ({"body": {}}, "$", "requestBody"),
    "BindMfaVerification": ({"body": {"type": "Sms", "verificationId": "v"}}, "$.type", "enum"),
    "GetEnabledSsoConnectors": ({"query": {"email": "not-an-email"}}, "email", "format"),
}
