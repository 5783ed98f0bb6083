// "Run": a form generated from the workflow's input_schema (a field per property, by type, required ones
// marked), or a JSON box when the workflow has no object schema. Wrong fields say what is wrong before
// anything is sent; the server's own refusal lands on the same fields. A started run opens its execution.
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { api, ApiError } from '../api';
import {
  fieldsOf,
  initialValues,
  inputOf,
  serverFieldErrors,
  type FieldValues,
  type InputField,
} from './input-form';

export function RunForm(props: { workflow: string; inputSchema: unknown }) {
  const navigate = useNavigate();
  const fields = useMemo(() => fieldsOf(props.inputSchema), [props.inputSchema]);
  const [values, setValues] = useState<FieldValues>(() =>
    fields ? initialValues(props.inputSchema, fields) : {},
  );
  const [json, setJson] = useState('{}');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>();

  async function submit() {
    setFailure(undefined);
    let input: unknown;
    if (fields) {
      const built = inputOf(fields, values);
      setErrors(built.errors);
      if (Object.keys(built.errors).length > 0) return;
      input = built.input;
    } else {
      try {
        input = JSON.parse(json);
      } catch {
        setFailure('The input is not valid JSON');
        return;
      }
    }
    try {
      const started = await api<{ execution_id: string }>(
        `/api/v1/workflows/${encodeURIComponent(props.workflow)}/execute`,
        { method: 'POST', json: { input } },
      );
      navigate(`/executions/${encodeURIComponent(started.execution_id)}`);
    } catch (error) {
      setFailure(error instanceof ApiError ? error.detail : String(error));
      if (error instanceof ApiError && fields) {
        const problems = (error.body as { errors?: { pointer?: string; message?: string }[] } | undefined)
          ?.errors;
        if (problems) setErrors(serverFieldErrors(problems));
      }
    }
  }

  return (
    <form
      className="run-form"
      data-testid="run-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {fields ? (
        <fieldset data-testid="run-input">
          <legend>Input</legend>
          {fields.map((field) => (
            <InputRow
              key={field.name}
              field={field}
              value={values[field.name] ?? ''}
              error={errors[field.name]}
              onChange={(value) => setValues((previous) => ({ ...previous, [field.name]: value }))}
            />
          ))}
          {errors[''] && <p className="error">{errors['']}</p>}
        </fieldset>
      ) : (
        <>
          <label htmlFor="run-input">Input (JSON)</label>
          <textarea
            id="run-input"
            data-testid="run-input"
            rows={5}
            value={json}
            onChange={(event) => setJson(event.target.value)}
          />
        </>
      )}
      {failure && (
        <p className="error" role="alert" data-testid="run-error">
          {failure}
        </p>
      )}
      <button type="submit" data-testid="run-submit">
        Start
      </button>
    </form>
  );
}

function InputRow(props: {
  field: InputField;
  value: string | boolean;
  error: string | undefined;
  onChange(value: string | boolean): void;
}) {
  const { field, value, error } = props;
  const id = `run-field-${field.name}`;
  const common = {
    id,
    'data-testid': id,
    'aria-invalid': error !== undefined,
    'aria-required': field.required,
  };
  let control;
  if (field.kind === 'boolean') {
    control = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(event) => props.onChange(event.target.checked)}
      />
    );
  } else if (field.options) {
    control = (
      <select {...common} value={String(value)} onChange={(event) => props.onChange(event.target.value)}>
        <option value="">{field.required ? 'choose…' : '(none)'}</option>
        {field.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'json') {
    control = (
      <textarea
        {...common}
        rows={3}
        placeholder={field.jsonType === 'array' ? '[ … ]' : '{ … }'}
        value={String(value)}
        onChange={(event) => props.onChange(event.target.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={field.kind === 'string' ? 'text' : 'number'}
        step={field.kind === 'integer' ? 1 : 'any'}
        value={String(value)}
        onChange={(event) => props.onChange(event.target.value)}
      />
    );
  }
  return (
    <div className={`run-field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        {field.title}
        {field.required && (
          <span className="required" title="required" data-testid={`run-required-${field.name}`}>
            {' '}
            *
          </span>
        )}
        <span className="field-type"> {field.kind === 'json' ? (field.jsonType ?? 'JSON') : field.kind}</span>
      </label>
      {control}
      {field.description && <small>{field.description}</small>}
      {error && (
        <span className="field-error" role="alert" data-testid={`run-error-${field.name}`}>
          {field.title} {error}
        </span>
      )}
    </div>
  );
}
