package org.pullmail.gateway.account;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Repository;

/** Accounts with bcrypt password hashes. */
@Repository
public class AccountRepository {

    public record Account(String address, Set<String> roles, boolean disabled, Instant createdAt,
            Instant provisionedAt) {
    }

    /** Compared against when the address is unknown, so both paths cost one bcrypt check. */
    private static final String DUMMY_HASH = new BCryptPasswordEncoder().encode("no such account");

    private final JdbcClient jdbc;
    private final PasswordEncoder passwords = new BCryptPasswordEncoder();

    AccountRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Account> authenticate(String address, String password) {
        Optional<String> hash = jdbc.sql("SELECT password_hash FROM account WHERE address = ? AND NOT disabled")
                .param(address).query(String.class).optional();
        boolean matches = passwords.matches(password, hash.orElse(DUMMY_HASH));
        return matches && hash.isPresent() ? find(address) : Optional.empty();
    }

    /** Creates the account unless it exists; answers whether it was created. */
    public boolean create(String address, String password, boolean admin) {
        return jdbc.sql("""
                INSERT INTO account (address, password_hash, roles) VALUES (?, ?, ?)
                ON CONFLICT (address) DO NOTHING""")
                .params(address, passwords.encode(password), admin ? "USER,ADMIN" : "USER").update() == 1;
    }

    /** Disabling also revokes the account's tokens: enabling it again does not bring them back. */
    public boolean setDisabled(String address, boolean disabled) {
        return jdbc.sql("""
                UPDATE account SET disabled = ?, tokens_revoked_at = CASE WHEN ? THEN now() ELSE tokens_revoked_at END
                WHERE address = ?""").params(disabled, disabled, address).update() == 1;
    }

    /** A new password revokes the tokens issued with the old one (a reset is how a stolen password is answered). */
    public boolean setPassword(String address, String password) {
        return jdbc.sql("UPDATE account SET password_hash = ?, tokens_revoked_at = now() WHERE address = ?")
                .params(passwords.encode(password), address).update() == 1;
    }

    public Optional<Account> find(String address) {
        return jdbc.sql("SELECT address, roles, disabled, created_at, provisioned_at FROM account WHERE address = ?")
                .param(address).query((rs, n) -> map(rs)).optional();
    }

    public List<Account> list() {
        return jdbc.sql("SELECT address, roles, disabled, created_at, provisioned_at FROM account ORDER BY address")
                .query((rs, n) -> map(rs)).list();
    }

    public List<String> unprovisioned() {
        return jdbc.sql("SELECT address FROM account WHERE provisioned_at IS NULL ORDER BY created_at LIMIT 100")
                .query(String.class).list();
    }

    public void markProvisioned(String address) {
        jdbc.sql("UPDATE account SET provisioned_at = now() WHERE address = ? AND provisioned_at IS NULL")
                .param(address).update();
    }

    private static Account map(ResultSet rs) throws SQLException {
        return new Account(rs.getString("address"),
                new LinkedHashSet<>(Arrays.asList(rs.getString("roles").split(","))), rs.getBoolean("disabled"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("provisioned_at") == null ? null : rs.getTimestamp("provisioned_at").toInstant());
    }
}
