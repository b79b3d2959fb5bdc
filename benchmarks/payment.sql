-- One contribution payment's statements, as shebao's server sends them for
-- POST /api/v1/contributions/bills/{id}/payments (captured from the server's connection, see
-- benchmarks/README.md), for pgbench -M prepared: what the database alone spends on a payment.
-- posting.py runs it on the open bills its API load left, with the audit statement put in at
-- "@seal"; variables: token (the bearer token's hash) and actor (the clerk's user id), from -D.
-- Each transaction takes the next bill of floor_bills (filled by posting.py in payment order).
-- Where the server sends several rows with one executemany (the ledger lines, the account
-- balances), this sends one statement with as many rows: a floor, not a replica.

SELECT bill_id AS bill FROM floor_bills WHERE n = (SELECT nextval('floor_next')) \gset
BEGIN;
-- the row-level wall (auth/row_security.py), once a transaction
SELECT set_config('role', 'shebao_scoped', true), set_config('shebao.region_prefix', '^', true);
-- the bearer token (auth)
SELECT auth_sessions.id, auth_sessions.user_id, auth_sessions.kind, auth_sessions.expires_at,
       users_1.id AS uid, users_1.role, users_1.region_code, users_1.is_active
FROM auth_sessions LEFT OUTER JOIN users AS users_1 ON users_1.id = auth_sessions.user_id
WHERE auth_sessions.token_hash = :token::text AND auth_sessions.kind = 'bearer';
-- the bill, locked, then its totals by pooled fund and account (contributions/service.py)
SELECT bills.id FROM bills WHERE bills.id = :bill::integer FOR UPDATE;
SELECT bills.province, bills.due_date, bills.amount_fen AS total, totals.*,
  (SELECT count(*) FROM payments WHERE payments.bill_id = bills.id) AS attempts,
  (SELECT payments.id FROM payments WHERE payments.bill_id = bills.id
   AND payments.reversed_at IS NULL) AS standing,
  employers.region_code AS employer_region
FROM bills LEFT OUTER JOIN employers ON employers.id = bills.employer_id
JOIN (SELECT coalesce(sum(c.pension_pool_fen), 0) AS pension_pool,
        coalesce(sum(c.medical_pool_fen), 0) AS medical_pool,
        coalesce(sum(c.unemployment_employer_fen + c.unemployment_employee_fen), 0)
          AS unemployment_pool,
        coalesce(sum(c.injury_fen), 0) AS injury_pool,
        coalesce(sum(c.pension_account_fen), 0) AS pension_account,
        coalesce(sum(c.medical_employer_account_fen + c.medical_account_fen), 0)
          AS medical_account
      FROM contributions c WHERE c.bill_id = :bill::integer) AS totals ON true
WHERE bills.id = :bill::integer \gset
SAVEPOINT sa_savepoint_1;
-- the ledger entry (ledger/service.py)
INSERT INTO ledger_entries (idempotency_key, request_hash, kind, memo, effective_date,
                            posted_at, reverses_entry_id, actor_id, province)
VALUES ('floor-payment-' || :bill::integer, md5('floor-payment-' || :bill::integer),
        'contribution', 'bill ' || :bill::integer, CAST(:due_date AS date), now(), NULL,
        :actor::integer, :province::text)
ON CONFLICT DO NOTHING RETURNING ledger_entries.id AS entry \gset
SELECT ledger_accounts.id, ledger_accounts.code, ledger_accounts.balance_fen,
       ledger_accounts.line_count, ledger_accounts.normal_side, ledger_accounts.allow_negative
FROM ledger_accounts
WHERE ledger_accounts.code IN (
  concat_ws(':', 'individual', 'medical', :province::text),
  concat_ws(':', 'individual', 'pension', :province::text),
  concat_ws(':', 'pool', 'employee_medical', :province::text),
  concat_ws(':', 'pool', 'employee_pension', :province::text),
  concat_ws(':', 'pool', 'unemployment', :province::text),
  concat_ws(':', 'pool', 'work_injury', :province::text),
  concat_ws(':', 'settlement', :province::text))
ORDER BY ledger_accounts.id FOR UPDATE;
INSERT INTO ledger_lines (entry_id, account_id, amount_fen)
SELECT :entry::bigint, ledger_accounts.id, moved.amount
FROM (VALUES ('settlement', NULL, :total::bigint),
             ('pool', 'employee_medical', -CAST(:medical_pool AS bigint)),
             ('pool', 'employee_pension', -CAST(:pension_pool AS bigint)),
             ('pool', 'unemployment', -CAST(:unemployment_pool AS bigint)),
             ('pool', 'work_injury', -CAST(:injury_pool AS bigint)),
             ('individual', 'medical', -CAST(:medical_account AS bigint)),
             ('individual', 'pension', -CAST(:pension_account AS bigint)))
     AS moved(kind, fund, amount)
JOIN ledger_accounts
  ON ledger_accounts.code = concat_ws(':', moved.kind, moved.fund, :province::text);
INSERT INTO payments (bill_id, paid_on, amount_fen, late_fee_fen, days_late, ledger_entry_id,
                      recorded_at)
VALUES (:bill::integer, CAST(:due_date AS date), :total::bigint, 0, 0, :entry::bigint, now())
RETURNING payments.id, payments.bill_id, payments.paid_on, payments.amount_fen,
          payments.late_fee_fen, payments.days_late, payments.ledger_entry_id,
          payments.recorded_at, payments.reversed_at, payments.reversal_entry_id,
          payments.reversal_reason;
-- the persons' movements of the entry, then their kept balances (ledger/movements.py)
SELECT movements.person_id, movements.account, movements.amount_fen
FROM (SELECT individual_account_lines.entry_id AS entry_id,
             individual_account_lines.person_id AS person_id,
             individual_account_lines.account AS account,
             individual_account_lines.amount_fen AS amount_fen
      FROM individual_account_lines
      UNION ALL
      SELECT payments.ledger_entry_id, contributions.person_id, 'pension',
             -contributions.pension_account_fen
      FROM payments JOIN contributions ON contributions.bill_id = payments.bill_id
      WHERE payments.ledger_entry_id IS NOT NULL AND contributions.pension_account_fen != 0
      UNION ALL
      SELECT payments.reversal_entry_id, contributions.person_id, 'pension',
             contributions.pension_account_fen
      FROM payments JOIN contributions ON contributions.bill_id = payments.bill_id
      WHERE payments.reversal_entry_id IS NOT NULL AND contributions.pension_account_fen != 0
      UNION ALL
      SELECT payments.ledger_entry_id, contributions.person_id, 'medical',
             -(contributions.medical_employer_account_fen + contributions.medical_account_fen)
      FROM payments JOIN contributions ON contributions.bill_id = payments.bill_id
      WHERE payments.ledger_entry_id IS NOT NULL
        AND contributions.medical_employer_account_fen + contributions.medical_account_fen != 0
      UNION ALL
      SELECT payments.reversal_entry_id, contributions.person_id, 'medical',
             contributions.medical_employer_account_fen + contributions.medical_account_fen
      FROM payments JOIN contributions ON contributions.bill_id = payments.bill_id
      WHERE payments.reversal_entry_id IS NOT NULL
        AND contributions.medical_employer_account_fen + contributions.medical_account_fen != 0
     ) AS movements
WHERE movements.entry_id = :entry::bigint ORDER BY movements.account, movements.person_id;
WITH kept AS (
  INSERT INTO individual_account_balances (person_id, pension_fen, resident_pension_fen,
                                           medical_fen, personal_pension_fen, annuity_fen)
  SELECT contributions.person_id, sum(contributions.pension_account_fen), 0,
         sum(contributions.medical_employer_account_fen + contributions.medical_account_fen),
         0, 0
  FROM payments JOIN contributions ON contributions.bill_id = payments.bill_id
  WHERE payments.ledger_entry_id = :entry::bigint
  GROUP BY contributions.person_id ORDER BY contributions.person_id
  ON CONFLICT (person_id) DO UPDATE SET
    pension_fen = individual_account_balances.pension_fen + excluded.pension_fen,
    resident_pension_fen = individual_account_balances.resident_pension_fen
                           + excluded.resident_pension_fen,
    medical_fen = individual_account_balances.medical_fen + excluded.medical_fen,
    personal_pension_fen = individual_account_balances.personal_pension_fen
                           + excluded.personal_pension_fen,
    annuity_fen = individual_account_balances.annuity_fen + excluded.annuity_fen
  RETURNING *)
SELECT kept.person_id FROM kept
WHERE kept.pension_fen < 0 OR kept.resident_pension_fen < 0 OR kept.medical_fen < 0
   OR kept.personal_pension_fen < 0 OR kept.annuity_fen < 0
ORDER BY kept.person_id LIMIT 1;
UPDATE ledger_accounts
SET balance_fen = ledger_accounts.balance_fen
                  + CASE ledger_accounts.normal_side WHEN 'debit' THEN moved.amount
                         ELSE -moved.amount END,
    line_count = ledger_accounts.line_count + 1
FROM (SELECT account_id, amount_fen AS amount FROM ledger_lines WHERE entry_id = :entry::bigint)
     AS moved
WHERE ledger_accounts.id = moved.account_id;
RELEASE SAVEPOINT sa_savepoint_1;
UPDATE bills SET status = 'paid' WHERE bills.id = :bill::integer;
-- the audit trail: five entries chained onto the head, by supervision/audit.py's own statement
-- (posting.py puts `audit._SEAL` on the next line, its values as `SEAL_VALUES` says)
-- @seal
COMMIT;
