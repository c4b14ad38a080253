package io.tailwater.demo;

import io.tailwater.schemas.event.Gtids;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small shop on the leader: customers, orders and order lines, changed by a random mix of
 * leader transactions (inserts, updates, deletes, and transactions that touch several tables).
 * Used by the demo and the end-to-end tests.
 */
public final class ShopWorkload {
    public static final List<String> TABLES = tables("public");
    private static final String[] STATUS = {"new", "paid", "shipped", "delivered", "returned"};

    private final Random random;
    private final AtomicLong transactions = new AtomicLong();
    private final java.util.Set<Long> writingTransactions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private long maxCustomer;
    private long maxOrder;

    public ShopWorkload(long seed) {
        this.random = new Random(seed);
    }

    /** The shop's tables in a leader schema (a MariaDB leader's database). */
    public static List<String> tables(String schema) {
        return List.of(schema + ".customers", schema + ".orders", schema + ".order_items");
    }

    /** Whether {@code c} is a connection to a MariaDB leader (the shop speaks its SQL there). */
    static boolean isMariaDb(Connection c) throws SQLException {
        return c.getMetaData().getURL().startsWith("jdbc:mariadb:");
    }

    public static void createSchema(Connection c) throws SQLException {
        if (isMariaDb(c)) {
            try (Statement s = c.createStatement()) {
                s.execute("""
                        CREATE TABLE IF NOT EXISTS customers (
                          id bigint PRIMARY KEY, name text NOT NULL, email varchar(200),
                          credit decimal(12,2) NOT NULL DEFAULT 0, vip boolean NOT NULL DEFAULT false,
                          created_at timestamp(6) NOT NULL DEFAULT current_timestamp(6))""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS orders (
                          id bigint PRIMARY KEY, customer_id bigint NOT NULL, status varchar(20) NOT NULL,
                          total decimal(14,2) NOT NULL, placed_at datetime(6) NOT NULL, note text)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS order_items (
                          order_id bigint NOT NULL, line integer NOT NULL, sku varchar(40) NOT NULL, qty smallint NOT NULL,
                          price decimal(10,2) NOT NULL, weight_kg double, PRIMARY KEY (order_id, line))""");
            }
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE IF NOT EXISTS customers (
                      id bigint PRIMARY KEY, name text NOT NULL, email varchar(200),
                      credit numeric(12,2) NOT NULL DEFAULT 0, vip boolean NOT NULL DEFAULT false,
                      created_at timestamptz NOT NULL DEFAULT now())""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS orders (
                      id bigint PRIMARY KEY, customer_id bigint NOT NULL, status varchar(20) NOT NULL,
                      total numeric(14,2) NOT NULL, placed_at timestamp(6) NOT NULL, note text)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS order_items (
                      order_id bigint NOT NULL, line integer NOT NULL, sku text NOT NULL, qty smallint NOT NULL,
                      price numeric(10,2) NOT NULL, weight_kg double precision, PRIMARY KEY (order_id, line))""");
        }
    }

    /** Inserts {@code customers} customers in one transaction (rows the initial snapshot will read). */
    public void seed(Connection c, int customers) throws SQLException {
        resume(c);
        c.setAutoCommit(false);
        for (int i = 0; i < customers; i++) {
            insertCustomer(c);
        }
        c.commit();
    }

    /** Continues on the shop's tables as they are: new customers and orders get ids past the highest there. */
    public void resume(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT (SELECT coalesce(max(id), 0) FROM customers), (SELECT coalesce(max(id), 0) FROM orders)")) {
            rs.next();
            maxCustomer = rs.getLong(1);
            maxOrder = rs.getLong(2);
        }
    }

    /** Runs one random leader transaction and commits it. */
    public void runTransaction(Connection c) throws SQLException {
        c.setAutoCommit(false);
        int dice = random.nextInt(100);
        if (dice < 20 || maxCustomer == 0) {
            insertCustomer(c);
        } else if (dice < 55) {
            placeOrder(c);
        } else if (dice < 75) {
            payOrder(c);
        } else if (dice < 85) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE customers SET email = ?, vip = NOT vip WHERE id = ?")) {
                ps.setString(1, "c" + random.nextInt(1_000_000) + "@example.com");
                ps.setLong(2, 1 + random.nextLong(maxCustomer));
                ps.executeUpdate();
            }
        } else {
            long order = maxOrder == 0 ? 0 : 1 + random.nextLong(maxOrder);
            try (PreparedStatement items = c.prepareStatement("DELETE FROM order_items WHERE order_id = ?");
                 PreparedStatement orders = c.prepareStatement("DELETE FROM orders WHERE id = ?")) {
                items.setLong(1, order);
                items.executeUpdate();
                orders.setLong(1, order);
                orders.executeUpdate();
            }
        }
        if (isMariaDb(c)) {
            // The GTID a commit that wrote rows gets; one that wrote none leaves the session's last GTID as it was.
            String before = lastGtid(c);
            c.commit();
            String after = lastGtid(c);
            if (after != null && !after.equals(before)) {
                writingTransactions.add(Gtids.sequenceOf(after));
            }
            transactions.incrementAndGet();
            return;
        }
        Long xid = null;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT txid_current_if_assigned()")) {
            if (rs.next()) {
                xid = (Long) rs.getObject(1);
            }
        }
        c.commit();
        if (xid != null) {
            writingTransactions.add(xid);
        }
        transactions.incrementAndGet();
    }

    private static String lastGtid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@last_gtid")) {
            rs.next();
            String gtid = rs.getString(1);
            return gtid == null || gtid.isEmpty() ? null : gtid;
        }
    }

    /**
     * The leader transaction ids of the committed transactions that changed rows (the ones the log
     * must hold once each): PostgreSQL's transaction ids, a MariaDB leader's GTID sequence numbers.
     */
    public java.util.Set<Long> writingTransactions() {
        return java.util.Set.copyOf(writingTransactions);
    }

    public long transactions() {
        return transactions.get();
    }

    private void insertCustomer(Connection c) throws SQLException {
        long id = ++maxCustomer;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO customers (id, name, email, credit, vip) VALUES (?, ?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setString(2, NAMES[random.nextInt(NAMES.length)] + " " + id);
            ps.setString(3, random.nextInt(10) == 0 ? null : "customer" + id + "@example.com");
            ps.setBigDecimal(4, BigDecimal.valueOf(random.nextInt(1_000_000), 2));
            ps.setBoolean(5, random.nextInt(5) == 0);
            ps.executeUpdate();
        }
    }

    private void placeOrder(Connection c) throws SQLException {
        long id = ++maxOrder;
        int lines = 1 + random.nextInt(3);
        BigDecimal total = BigDecimal.ZERO;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO order_items (order_id, line, sku, qty, price, weight_kg) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int line = 1; line <= lines; line++) {
                BigDecimal price = BigDecimal.valueOf(100 + random.nextInt(100_000), 2);
                int qty = 1 + random.nextInt(5);
                total = total.add(price.multiply(BigDecimal.valueOf(qty)));
                ps.setLong(1, id);
                ps.setInt(2, line);
                ps.setString(3, "SKU-" + random.nextInt(5000));
                ps.setShort(4, (short) qty);
                ps.setBigDecimal(5, price);
                if (random.nextInt(4) == 0) {
                    ps.setNull(6, java.sql.Types.DOUBLE);
                } else {
                    ps.setDouble(6, random.nextDouble() * 20);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO orders (id, customer_id, status, total, placed_at, note) VALUES (?, ?, 'new', ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setLong(2, 1 + random.nextLong(maxCustomer));
            ps.setBigDecimal(3, total);
            ps.setObject(4, LocalDateTime.now().withNano(random.nextInt(1_000_000) * 1000));
            ps.setString(5, random.nextInt(3) == 0 ? "gift – ünïcödé 🎁" : null);
            ps.executeUpdate();
        }
    }

    private void payOrder(Connection c) throws SQLException {
        if (maxOrder == 0) {
            placeOrder(c);
            return;
        }
        long order = 1 + random.nextLong(maxOrder);
        String status = STATUS[1 + random.nextInt(STATUS.length - 1)];
        boolean mariaDb = isMariaDb(c);
        if (mariaDb) {
            // MariaDB has no UPDATE ... RETURNING: the order is updated (and so locked), then read.
            try (PreparedStatement ps = c.prepareStatement("UPDATE orders SET status = ? WHERE id = ?")) {
                ps.setString(1, status);
                ps.setLong(2, order);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement(mariaDb ? "SELECT customer_id, total FROM orders WHERE id = ?"
                : "UPDATE orders SET status = ? WHERE id = ? RETURNING customer_id, total")) {
            if (!mariaDb) {
                ps.setString(1, status);
            }
            ps.setLong(mariaDb ? 1 : 2, order);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    try (PreparedStatement credit = c.prepareStatement("UPDATE customers SET credit = credit + ? WHERE id = ?")) {
                        credit.setBigDecimal(1, rs.getBigDecimal(2).divide(BigDecimal.TEN, 2, java.math.RoundingMode.HALF_UP));
                        credit.setLong(2, rs.getLong(1));
                        credit.executeUpdate();
                    }
                }
            }
        }
    }

    private static final String[] NAMES = {"Ada", "Grace", "Edsger", "Barbara", "Ken", "Margaret", "Donald", "Frances", "Zoë", "Jürgen"};
}
