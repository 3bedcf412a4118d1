// Fills XForms in JavaRosa (ODK Collect's form engine, from pyxform's ODK Validate jar)
// the way Collect steps through a form, and prints what the engine decided, for the
// differential tier (scripts/tier-differential.sh, compare.py). Lantern's side of the
// same fills is crates/lantern-core/examples/differential.rs; both print one format:
//
//   outcome <path> <Ok|RequiredButEmpty|ConstraintViolated>   each question asked, when answered
//   block   <path> <RequiredButEmpty|ConstraintViolated>      what blocks finalizing
//   node    <path> <relevant> <leaf|grp|rep> <value>          every node after finalizing
//
// Paths are below the root (`/p[2]/kid/age`), with [n] on repeat instances.
//
// Usage: java DiffFill <media-dir> <form.xml> <answers.tsv> <out.txt> [<answers.tsv> <out.txt>]...
// An answers file has `path<TAB>kind<TAB>value` lines (kind int, dec, text, one,
// multi, date) and `#repeat<TAB>path<TAB>count`. A question is answered with its line's
// value, or blank. An answer JavaRosa refuses (constraint) is still stored, as Lantern
// stores it and reports the outcome. One JVM fills many answer sets of one form.
import java.io.*;
import java.nio.file.*;
import java.util.*;
import org.javarosa.core.model.*;
import org.javarosa.core.model.data.*;
import org.javarosa.core.model.data.helper.Selection;
import org.javarosa.core.model.instance.*;
import org.javarosa.core.reference.*;
import org.javarosa.form.api.*;
import org.javarosa.xform.util.XFormUtils;

public class DiffFill {
    static FormDef form;

    /** A form's media files (jr://file/x, jr://file-csv/x) from one folder. */
    static class MediaFactory implements ReferenceFactory {
        final File dir;
        MediaFactory(File dir) { this.dir = dir; }
        public boolean derives(String uri) { return uri.startsWith("jr://file"); }
        public Reference derive(String uri) { return new FileRef(new File(dir, uri.substring(uri.lastIndexOf('/') + 1)), uri); }
        public Reference derive(String uri, String context) { return derive(uri); }
    }

    static class FileRef implements Reference {
        final File file; final String uri;
        FileRef(File file, String uri) { this.file = file; this.uri = uri; }
        public boolean doesBinaryExist() { return file.exists(); }
        public InputStream getStream() throws IOException { return new FileInputStream(file); }
        public String getURI() { return uri; }
        public String getLocalURI() { return file.getAbsolutePath(); }
        public boolean isReadOnly() { return true; }
        public OutputStream getOutputStream() throws IOException { throw new IOException("read-only"); }
        public void remove() throws IOException { throw new IOException("read-only"); }
        public Reference[] probeAlternativeReferences() { return new Reference[0]; }
    }

    /** `/p[2]/kid/age`: the reference below the root, [n] on repeat instances only. */
    static String path(TreeReference ref) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < ref.size(); i++) {
            sb.append('/').append(ref.getName(i));
            TreeElement e = form.getMainInstance().resolveReference(ref.getSubReference(i));
            if (e != null && e.isRepeatable()) sb.append('[').append(ref.getMultiplicity(i) + 1).append(']');
        }
        return sb.toString();
    }

    static void dump(TreeElement e, String prefix, PrintStream out) {
        for (int i = 0; i < e.getNumChildren(); i++) {
            TreeElement c = e.getChildAt(i);
            if (c.getMult() == TreeReference.INDEX_TEMPLATE) continue;
            String p = prefix + "/" + c.getName() + (c.isRepeatable() ? "[" + (c.getMult() + 1) + "]" : "");
            String kind = c.isRepeatable() ? "rep" : (c.getNumChildren() > 0 || c.isChildable() && c.getNumChildren() > 0) ? "grp" : "leaf";
            if (c.getNumChildren() > 0 && !c.isRepeatable()) kind = "grp";
            IAnswerData v = c.getValue();
            String value = v == null ? "" : v.uncast().getString();
            out.println("node\t" + p + "\t" + c.isRelevant() + "\t" + kind + "\t" + value.replace('\t', ' ').replace('\n', ' '));
            dump(c, p, out);
        }
    }

    static String outcome(int r) {
        return r == FormEntryController.ANSWER_OK ? "Ok"
            : r == FormEntryController.ANSWER_REQUIRED_BUT_EMPTY ? "RequiredButEmpty"
            : r == FormEntryController.ANSWER_CONSTRAINT_VIOLATED ? "ConstraintViolated" : ("?" + r);
    }

    static IAnswerData data(String kind, String value) {
        if (value == null || value.isEmpty()) return null;
        switch (kind) {
            case "int": return new IntegerData(Integer.parseInt(value));
            case "dec": return new DecimalData(Double.parseDouble(value));
            case "one": return new SelectOneData(new Selection(value));
            case "multi": {
                List<Selection> sel = new ArrayList<>();
                for (String s : value.trim().split("\\s+")) sel.add(new Selection(s));
                return new SelectMultiData(sel);
            }
            case "date": {
                String[] d = value.split("-");
                Calendar c = Calendar.getInstance();
                c.clear();
                c.set(Integer.parseInt(d[0]), Integer.parseInt(d[1]) - 1, Integer.parseInt(d[2]));
                return new DateData(c.getTime());
            }
            default: return new StringData(value);
        }
    }

    static void fillOne(byte[] xform, Path answersFile, PrintStream out) throws Exception {
        FormDef fd = XFormUtils.getFormFromInputStream(new ByteArrayInputStream(xform));
        fd.initialize(true, new InstanceInitializationFactory());
        form = fd;
        Map<String, String[]> answers = new HashMap<>();
        Map<String, Integer> repeats = new HashMap<>();
        Set<String> skipped = new HashSet<>();
        for (String line : Files.readAllLines(answersFile)) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            if (f[0].equals("#repeat")) repeats.put(f[1], Integer.parseInt(f[2]));
            else answers.put(f[0], new String[] {f[1], f[2]});
            if (f[1].equals("skip")) skipped.add(f[0]);
        }
        FormEntryModel model = new FormEntryModel(fd);
        FormEntryController fec = new FormEntryController(model);
        int event;
        while ((event = fec.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            FormIndex index = model.getFormIndex();
            TreeReference ref = index.getReference();
            if (event == FormEntryController.EVENT_PROMPT_NEW_REPEAT) {
                // The repeat's path, and the index the new instance would get.
                String base = path(ref.getParentRef()) + "/" + ref.getName(ref.size() - 1);
                int next = ref.getMultiplicity(ref.size() - 1) + 1;
                if (next <= repeats.getOrDefault(base, 0)) fec.newRepeat();
            } else if (event == FormEntryController.EVENT_QUESTION) {
                FormEntryPrompt prompt = model.getQuestionPrompt();
                if (prompt.isReadOnly()) continue;
                String p = path(ref);
                String[] a = answers.get(p);
                // A computed question with a control: left to its calculation, as Lantern does.
                if (a != null && a[0].equals("skip")) continue;
                IAnswerData d = a == null ? null : data(a[0], a[1]);
                int r = fec.answerQuestion(d, true);
                if (r == FormEntryController.ANSWER_CONSTRAINT_VIOLATED) fec.saveAnswer(d, true);
                out.println("outcome\t" + p + "\t" + outcome(r));
            }
        }
        // Finalizing as Collect does: every question, in order, with its answer as the
        // prompt sees it now (a select its filter no longer offers is cleared here).
        fec.jumpToIndex(FormIndex.createBeginningOfFormIndex());
        while ((event = fec.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            if (event != FormEntryController.EVENT_QUESTION) continue;
            FormIndex index = model.getFormIndex();
            FormEntryPrompt prompt = model.getQuestionPrompt();
            if (prompt.isReadOnly()) continue;
            // Computed questions are left to their calculation (see above); Lantern never
            // blocks on them either.
            if (form.getMainInstance().resolveReference(index.getReference()) != null
                    && skipped.contains(path(index.getReference()))) continue;
            IAnswerData d = prompt.getAnswerValue();
            int r = fec.answerQuestion(index, d, false);
            if (r == FormEntryController.ANSWER_CONSTRAINT_VIOLATED) fec.saveAnswer(index, d, false);
            if (r != FormEntryController.ANSWER_OK) out.println("block\t" + path(index.getReference()) + "\t" + outcome(r));
        }
        // Collect sets `end` and the other finalizing preloads now.
        fd.postProcessInstance();
        dump(fd.getMainInstance().getRoot(), "", out);
    }

    public static void main(String[] args) throws Exception {
        // Forms with entities or saved instances ask for storage; none is kept here.
        org.javarosa.core.services.storage.StorageManager.setStorageFactory(
            (name, type) -> new org.javarosa.core.services.storage.util.DummyIndexedStorageUtility(), true);
        ReferenceManager.instance().addReferenceFactory(new MediaFactory(new File(args[0])));
        byte[] xform = Files.readAllBytes(Paths.get(args[1]));
        for (int i = 2; i + 1 < args.length; i += 2) {
            try (PrintStream out = new PrintStream(new FileOutputStream(args[i + 1]), false, "UTF-8")) {
                try {
                    fillOne(xform, Paths.get(args[i]), out);
                } catch (Throwable t) {
                    out.println("error\t" + String.valueOf(t).replace('\n', ' ').replace('\t', ' '));
                }
            }
        }
    }
}
