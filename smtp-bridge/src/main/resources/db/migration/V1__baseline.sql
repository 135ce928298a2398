-- The SMTP bridge's own database: legacy mail it keeps until the recipient's domain fetched it or it expired
-- (V2), and Pullmail users' mail it delivers over SMTP (V3). The service-defaults migrations add its signing keys.
SELECT 1;
