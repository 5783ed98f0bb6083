// CodeMirror 6 holding the YAML. The parent owns the text: edits flow up, and a new text from a graph edit is
// dispatched as one change (so the cursor and undo history of the editor survive). Problems show as lint
// diagnostics at their line and column.
import { yaml } from '@codemirror/lang-yaml';
import { forceLinting, linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export interface LocatedProblem {
  severity: 'error' | 'warning';
  message: string;
  line?: number;
  column?: number;
}

export function YamlEditor(props: {
  text: string;
  problems: LocatedProblem[];
  readOnly?: boolean;
  onChange(text: string): void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const problemsLinter = linter(
      (editor) => {
        const doc = editor.state.doc;
        return latest.current.problems.map((problem): Diagnostic => {
          const line = doc.line(Math.min(Math.max(problem.line ?? 1, 1), doc.lines));
          const from = Math.min(line.from + Math.max((problem.column ?? 1) - 1, 0), line.to);
          return {
            from,
            to: line.to > from ? line.to : from,
            severity: problem.severity,
            message: problem.message,
          };
        });
      },
      { delay: 0 },
    );
    view.current = new EditorView({
      parent: host.current!,
      doc: props.text,
      extensions: [
        basicSetup,
        yaml(),
        lintGutter(),
        problemsLinter,
        EditorView.editable.of(props.readOnly !== true),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) latest.current.onChange(update.state.doc.toString());
        }),
      ],
    });
    return () => view.current?.destroy();
    // The editor is created once; later text and problems arrive through the effects below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== props.text)
      editor.dispatch({ changes: { from: 0, to: current.length, insert: props.text } });
  }, [props.text]);

  useEffect(() => {
    if (view.current) forceLinting(view.current);
  }, [props.problems]);

  return <div className="yaml-editor" data-testid="yaml-editor" ref={host} />;
}
