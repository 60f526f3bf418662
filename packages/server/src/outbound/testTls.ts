/**
 * A self-signed certificate for `hooks.test` (EC P-256, valid until 2126), only for the https tests:
 * the client must connect to the pinned address yet verify the certificate against the name.
 * Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
 *   -subj /CN=hooks.test -addext subjectAltName=DNS:hooks.test
 */
export const TEST_TLS_HOST = 'hooks.test';
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmDCCAT6gAwIBAgIUBz2cUH5g+p8mClkuN1SKdeO+vYQwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKaG9va3MudGVzdDAgFw0yNjEyMDMxMzAwMzNaGA8yMTI2MTEw
OTEzMDAzM1owFTETMBEGA1UEAwwKaG9va3MudGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABAOjrJY0ca2xOGpqk0wRTlhY2EB8UyqV+IoQEdYg5nlZmQAo0fOO
/9DQ9szgJUiH1pJGS7HgeTuF/kSmonNnLSujajBoMB0GA1UdDgQWBBSP0k5jaDUw
qLBABkklX1YW/5PAgzAfBgNVHSMEGDAWgBSP0k5jaDUwqLBABkklX1YW/5PAgzAP
BgNVHRMBAf8EBTADAQH/MBUGA1UdEQQOMAyCCmhvb2tzLnRlc3QwCgYIKoZIzj0E
AwIDSAAwRQIhAMGKqwusB3BlyIisOoF+aZQ1DFqjtOnMBupDtSYVzCKHAiAMX5vm
3fF5wehaN1DilrJWwZrT620B5cqhLQMIaARYkQ==
-----END CERTIFICATE-----
`;
export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKFD6eEZUSIUHp7pu
XeAIS4xyEwayvE7uFgzLtBFgiLGhRANCAAQDo6yWNHGtsThqapNMEU5YWNhAfFMq
lfiKEBHWIOZ5WZkAKNHzjv/Q0PbM4CVIh9aSRkux4Hk7hf5EpqJzZy0r
-----END PRIVATE KEY-----
`;
