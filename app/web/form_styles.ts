/** The run-setup form's fieldsets, legends, labels and file inputs, shared by the elements that build it. */
import { css } from "lit";

export const formStyles = css`
  fieldset {
    border: 1px solid #e5e7eb;
    border-radius: 6px;
    margin: 0 0 10px;
    padding: 8px 10px;
    /* A fieldset is as wide as its widest content by default; the file inputs would widen the column. */
    min-inline-size: 0;
  }
  legend {
    font-weight: 600;
    padding: 0 4px;
  }
  label {
    display: flex;
    justify-content: space-between;
    align-items: center;
    gap: 8px;
    margin: 3px 0;
  }
  input[type="file"] {
    max-width: 180px;
  }
`;
