/**
 * Previous / Next page under a cursor-paged list. The cursor lives in the URL, so Previous is the
 * browser's Back and Next sets `?cursor=`; shared links and the back button land on the same page.
 */
import { setQuery } from '../router';

export function Pager({
  label,
  cursor,
  nextCursor,
}: {
  label: string;
  cursor: string | undefined;
  nextCursor: string | null;
}) {
  return (
    <nav class="pager" aria-label={label}>
      {cursor && (
        <button type="button" class="button" onClick={() => history.back()}>
          Previous page
        </button>
      )}
      {nextCursor && (
        <button type="button" class="button" onClick={() => setQuery({ cursor: nextCursor })}>
          Next page
        </button>
      )}
    </nav>
  );
}
