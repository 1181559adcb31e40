/** Settings → Credits: the balance, and the ledger (each grant; credits used per day by dispatches). */
import type { CreditsBody } from '../../wire';
import { formatDateTime, formatDateUtc } from '../../ui/format';
import { Empty, Loaded } from '../../ui/states';
import { useApi } from '../../ui/use-api';
import { SettingsFrame } from './settings-nav';

export function CreditsPage() {
  const credits = useApi<CreditsBody>('/v1/credits');
  return (
    <SettingsFrame title="Credits">
      <Loaded state={credits} what="credits">
        {({ credit_balance, ledger }) => (
          <>
            <p class="big-number">
              <span class="big-number-value">{credit_balance}</span> credits left
            </p>
            <p class="muted">
              Each dispatched run uses one credit; completing runs is free. Test runs use none.
            </p>
            <h2>Ledger</h2>
            {ledger.length === 0 ? (
              <Empty title="No credit movements yet" />
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">What</th>
                      <th scope="col" class="num">
                        Credits
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {ledger.map((entry) => (
                      <tr key={`${entry.kind}-${entry.at}`}>
                        <td>
                          {entry.kind === 'grant'
                            ? formatDateTime(entry.at)
                            : `${formatDateUtc(entry.at)} (UTC day)`}
                        </td>
                        <td>
                          {entry.kind === 'grant'
                            ? `Grant${entry.note ? `: ${entry.note}` : ''}`
                            : `${entry.runs} run${entry.runs === 1 ? '' : 's'} dispatched`}
                        </td>
                        <td class="num">{entry.amount > 0 ? `+${entry.amount}` : entry.amount}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Loaded>
    </SettingsFrame>
  );
}
